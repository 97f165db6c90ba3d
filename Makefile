# OgLogStream — the commands a user types (README).
SHELL := /bin/bash
.DEFAULT_GOAL := dev
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: dev test build bench bench-quick prod install deps-system lint typecheck verify clean

node_modules/.installed: package.json package-lock.json server/package.json web/package.json packages/shared/package.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

# Debian packages the test suites drive for real: nats-server, haproxy, chromium, rsyslog, logger,
# alertmanager, promtool, nginx, systemd-journal-upload, kubectl.
deps-system:
	@bash scripts/install-system-deps.sh

build: install
	npm run build

dev: build
	LOG_LEVEL=$${LOG_LEVEL:-info} node server/bin/oglogstream.js all

test: install deps-system build
	npm run typecheck
	npm run lint
	npm test

bench: install deps-system build
	node bench/run.mjs $(BENCH_ARGS)

bench-quick: install deps-system build
	node bench/run.mjs --quick

prod: install deps-system build
	@bash deploy/prod.sh

lint: install
	npm run lint

typecheck: install
	npm run typecheck

verify: test

clean:
	rm -rf server/dist web/dist test-artifacts
