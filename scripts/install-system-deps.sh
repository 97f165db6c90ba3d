#!/usr/bin/env bash
# Installs the Debian packages the test suites and the native launcher run for real, when absent.
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
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
