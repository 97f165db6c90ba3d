#!/usr/bin/env bash
# Installs the Debian packages the test suites and the native launcher run for real, and the compiler of
# the pattern miner's C scan, when absent.
set -euo pipefail
need=()
command -v nats-server >/dev/null || need+=(nats-server)
command -v haproxy >/dev/null || need+=(haproxy)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v logger >/dev/null || need+=(bsdutils)
command -v rsyslogd >/dev/null || [ -x /usr/sbin/rsyslogd ] || need+=(rsyslog)
# rsyslog omelasticsearch, driven by test/protocols/rsyslog.test.ts against /es
ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 || need+=(rsyslog-elasticsearch)
command -v docker-compose >/dev/null || need+=(docker-compose)
# Round 3 programs: Alertmanager (alerting tests), promtool (rule tests), nginx (reverse proxy test),
# systemd-journal-upload (journald ingestion test), kubectl (kustomize rendering of the manifests).
command -v alertmanager >/dev/null || [ -x /usr/bin/prometheus-alertmanager ] || need+=(prometheus-alertmanager)
command -v promtool >/dev/null || need+=(prometheus)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
[ -x /lib/systemd/systemd-journal-upload ] || need+=(systemd-journal-remote)
# Any kubectl with kustomize will do (some images ship Google's); Debian's package would clash with it.
command -v kubectl >/dev/null || need+=(kubernetes-client)
# The pattern miner's C scan (server/native), built by `npm run build` through node-gyp.
command -v g++ >/dev/null || need+=(g++)
command -v python3 >/dev/null || need+=(python3)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
