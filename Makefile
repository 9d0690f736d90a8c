# Filament — make help lists the targets. Every target installs what it needs.
SHELL := /bin/bash
export FILAMENT_CACHE ?= $(HOME)/.cache/filament
# The Node that runs the tests, the demo and the benchmarks — and, through process.execPath, every
# fixture, service and load generator they start: a supported line (26, 24, 22), an exact version,
# or `system` (the node on PATH). scripts/node.sh installs it into $(FILAMENT_CACHE)/node (cached) and
# holds the pinned versions. Default: the system node for test/demo when its line is supported (else
# the newest LTS), the newest LTS for bench.
NODE_VERSION ?=
node_for = $(shell bash scripts/node.sh $(1) | tail -n 1)
# Runs $(2) with the Node of line/version $(1) first on PATH (npx, mocha and `node` all resolve to it).
with_node = NODE_BIN="$(call node_for,$(1))" && [ -x "$$NODE_BIN" ] && PATH="$$(dirname "$$NODE_BIN"):$$PATH" && export PATH && echo "node: $$(node --version) ($$NODE_BIN)" && $(2)

.PHONY: help install build typecheck test rabbitmq postgres collector node opensearch prometheus-installed setup verify alerting up down demo soak bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## npm ci (only when package-lock.json changed)

# build, typecheck and the alert-rule checks run only when one of their inputs changed (stamps in
# dist/): CI's runs on the second and third Node line reuse them instead of repeating a minute of work
# (.ci/run, checked in its log: npm ci, build, tsc once; the later lines only find the services running).
BUILD_INPUTS := $(shell find src -type f) tsconfig.json scripts/bundle.mjs package.json package-lock.json
TYPECHECK_INPUTS := $(shell find src test bench -type f -name '*.*ts') tsconfig.json tsconfig.test.json package-lock.json
ALERTING_INPUTS := $(shell find alerting -type f) scripts/prometheus.sh

dist/.built: node_modules/.package-lock.json $(BUILD_INPUTS)
	npm run -s build
	@touch $@

dist/.typechecked: node_modules/.package-lock.json $(TYPECHECK_INPUTS)
	npx tsc -p tsconfig.test.json
	@mkdir -p dist && touch $@

dist/.alerting-checked: $(ALERTING_INPUTS)
	bash scripts/prometheus.sh check
	@mkdir -p dist && touch $@

build: dist/.built ## Compile src/ to dist/ and bundle the preload into dist/preload-bundle.js and its entry dist/preload.js (when src/ changed)

rabbitmq: ## Install RabbitMQ via apt when absent and start it on 127.0.0.1:5672 (amqps on 127.0.0.1:5671, its CA: scripts/rabbitmq.sh ca)
	bash scripts/rabbitmq.sh start

postgres: ## Install PostgreSQL via apt when absent and start a cluster of its own on 127.0.0.1:55432 (temp dir, password auth; for test/pg.test.ts)
	bash scripts/postgres.sh start

node: ## Install the Node of NODE_VERSION (a line or version; default: newest LTS) into the cache; last line = binary path
	bash scripts/node.sh $(NODE_VERSION)

collector: ## Build otelcol-filament with ocb (cached); last line = binary path
	bash scripts/collector-build.sh

opensearch: ## Install the test OpenSearch 2.19.1 + security plugin from Maven Central (JDK/maven via apt when absent; cached)
	bash scripts/opensearch.sh install

setup: build ## filament setup against FILAMENT_SETUP_URL (default https://127.0.0.1:9200; ENGINE=elasticsearch|opensearch, ARGS=…; credentials and FILAMENT_SETUP_CA_CERT from the environment, docs/setup.md)
	node dist/cli.js setup --engine $(or $(ENGINE),elasticsearch) --url $(or $(FILAMENT_SETUP_URL),https://127.0.0.1:9200) $(ARGS)

verify: build ## filament verify against FILAMENT_SETUP_URL (ENGINE=opensearch, ARGS=…): exit 3 when the logging ADR's rules do not hold (docs/setup.md)
	node dist/cli.js verify --engine $(or $(ENGINE),opensearch) --url $(or $(FILAMENT_SETUP_URL),https://127.0.0.1:9200) $(ARGS)

# What `make test` needs of the alerting stack: Prometheus and Alertmanager installed. The rule checks
# themselves (`scripts/prometheus.sh check`: promtool check/test rules, amtool) are the first spec of
# test/alerting.test.ts, so the full suite no longer runs them twice (~10 s); `make alerting` still does.
prometheus-installed:
	bash scripts/prometheus.sh install

alerting: dist/.alerting-checked ## Install Prometheus + Alertmanager (and htpasswd, apache2-utils) via apt when absent; promtool check/test the rules (alerting/; when they changed)

typecheck: dist/.typechecked ## Type-check src/, test/ and bench/ (strict; when one of them changed)

test: build typecheck rabbitmq postgres collector opensearch prometheus-installed ## Build, type-check, start RabbitMQ and PostgreSQL, build the collector, install OpenSearch and Prometheus/Alertmanager, run the mocha suite (its alerting spec checks the alert rules) (on the system node when supported, else the newest LTS; NODE_VERSION=26, 24 or 22 installs and uses that line; SPEC='test/a.test.ts …' for a subset)
	$(call with_node,$(or $(NODE_VERSION),default),SPEC='$(SPEC)' npx mocha)

demo: build rabbitmq ## Run the platform under the preload with load and faults (DEMO_SECONDS=60; FAULTS=none: no faults, exit 1 if any alert fired; DEMO_STORE=opensearch: also OpenSearch + filament setup + verify --watch scraped by Prometheus, docs/setup.md; system node when supported unless NODE_VERSION=…), the alerting loop when Prometheus is installed, then summarise
	$(call with_node,$(or $(NODE_VERSION),default),node scripts/demo.mjs)

soak: build rabbitmq ## The fault-free promise at length: 10 minutes of the demo's traffic without faults; exit 1, naming them, if any alert fired (docs/alerting.md)
	$(call with_node,$(or $(NODE_VERSION),default),FAULTS=none DEMO_SECONDS=$(or $(SOAK_SECONDS),600) node scripts/demo.mjs)

bench: build rabbitmq ## Benchmarks side by side: bare vs Filament vs upstream vs EDOT on NODE_VERSION (default: newest LTS; QUICK=1: < 2 min; ONLY=logs: logger calls only; ONLY=queue: RabbitMQ round trips only) → docs/benchmarks.md (other lines: docs/benchmarks-node<N>.md)
	$(call with_node,$(NODE_VERSION),QUICK=$(QUICK) ONLY=$(ONLY) node --import tsx bench/run.ts)

up: ## Users with Docker: Elasticsearch 9, Kibana, `filament setup`, the collector (contrib image), RabbitMQ, Prometheus, Alertmanager, filament-responder (TLS + auth); passwords in collector/.env, CA and tokens in collector/secrets/
	@test -f collector/.env || (umask 077 && bash scripts/compose-env.sh > collector/.env && echo "wrote collector/.env (random passwords)")
	@grep -q '^RABBITMQ_PASSWORD=' collector/.env || (bash scripts/compose-env.sh | grep -E '^(RABBITMQ_PASSWORD|FILAMENT_RUNBOOK_BASE)=' >> collector/.env)
	@mkdir -p -m 700 collector/secrets
	FILAMENT_HOST_UID=$$(id -u) FILAMENT_HOST_GID=$$(id -g) docker compose -f collector/docker-compose.yml up -d

down: ## Stop what `make up` started
	docker compose -f collector/docker-compose.yml down

clean: ## Remove build output (keeps the collector cache in $(FILAMENT_CACHE))
	rm -rf dist
