#!/usr/bin/env bash
# `make prod`: the load-balanced topology (HAProxy :80, stats :8404, ingest, query and processing
# instances, NATS JetStream, ClickHouse). With a Docker engine: docker compose with
# docker-compose.yml + docker-compose.prod.yml. Without one (`docker info` fails): the same topology
# as local processes on this host (deploy/native.mjs; embedded store unless CLICKHOUSE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  # The HAProxy stats page (127.0.0.1:8404) needs a password; native.mjs makes up its own.
  if [[ -z "${HAPROXY_STATS_PASSWORD:-}" ]]; then
    HAPROXY_STATS_PASSWORD="$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
    export HAPROXY_STATS_PASSWORD
    echo "prod: HAProxy stats user admin, password $HAPROXY_STATS_PASSWORD (random; set HAPROXY_STATS_PASSWORD to choose one)"
  fi
  files=(-f deploy/docker-compose.yml -f deploy/docker-compose.prod.yml)
  if docker compose version >/dev/null 2>&1; then
    exec docker compose "${files[@]}" up --build "$@"
  fi
  exec docker-compose "${files[@]}" up --build "$@"
fi

echo "prod: no Docker engine here; starting the same topology natively (deploy/native.mjs)"
exec node deploy/native.mjs "$@"
