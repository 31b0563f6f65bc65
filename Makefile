# The project's commands. Each installs what it needs on first use (uv, .venv, Kafka jars).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
KAFKA_LIBS := .cache/kafka/libs
PACKAGES := contracts/src kit/src report/src services/registry/src services/ingest/src services/linkage/src services/portal/src tools/src
PORTAL_ASSETS := services/portal/src/portal/static/vendor

.PHONY: help venv kafka-jars portal-assets interop-schemas helm test test-unit lint format kafka kafka-secure kafka-tls run monitor report replay deadletters simulate bench clean

help:
	@echo "make run    - local Kafka + the stack with a demo load (Ctrl-C stops it)"
	@echo "make test   - the whole test suite (unit, integration on real Kafka/PostgreSQL, e2e)"
	@echo "make lint   - ruff, ruff format --check, mypy --strict, import-linter"
	@echo "make kafka  - the local Kafka broker in the foreground (kafka-secure: SASL + ACLs)"
	@echo "make report YEAR=2025 [AS_OF=2025-12-31] - the yearly monitor report as swi-YEAR.html and .pdf"
	@echo "make monitor / deadletters / replay REASON=... - operator commands (ketenmonitor --help)"

$(UV):
	$(PYTHON) -m pip install --user --quiet uv

$(VENV)/.synced: $(UV) uv.lock pyproject.toml contracts/pyproject.toml kit/pyproject.toml report/pyproject.toml services/*/pyproject.toml tools/pyproject.toml
	$(UV) sync --frozen --all-packages
	@touch $@

venv: $(VENV)/.synced

$(KAFKA_LIBS)/.done: deploy/kafka/pom.xml
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch Kafka (apt-get install maven)"; exit 1; }
	rm -rf $(KAFKA_LIBS)
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies \
		-DoutputDirectory=$(abspath $(KAFKA_LIBS)) -DincludeScope=runtime
	@touch $@

kafka-jars: $(KAFKA_LIBS)/.done

# The NL Design System CSS, pinned by the lockfile, copied into the portal's static files.
$(PORTAL_ASSETS)/.done: services/portal/frontend/package.json services/portal/frontend/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the portal's NL Design System CSS (apt-get install npm)"; exit 1; }
	npm ci --prefix services/portal/frontend --ignore-scripts --no-audit --no-fund --silent
	mkdir -p $(PORTAL_ASSETS)
	cp services/portal/frontend/node_modules/@rijkshuisstijl-community/design-tokens/dist/index.css $(PORTAL_ASSETS)/design-tokens.css
	cp services/portal/frontend/node_modules/@rijkshuisstijl-community/components-css/dist/index.css $(PORTAL_ASSETS)/components.css
	@touch $@

portal-assets: $(PORTAL_ASSETS)/.done

# The official AsyncAPI JSON schemas (npm, pinned) the services' documents are validated against.
tests/interop/node_modules/.done: tests/interop/package.json tests/interop/package-lock.json
	npm ci --prefix tests/interop --ignore-scripts --no-audit --no-fund --silent
	@touch $@

interop-schemas: tests/interop/node_modules/.done

# helm for the chart's tests (lint, template), built from the Go module proxy at a pinned release.
HELM_VERSION := v3.19.0
HELM := .cache/bin/helm
$(HELM):
	@command -v go >/dev/null || { echo "Go is needed to build helm (apt-get install golang)"; exit 1; }
	GOBIN=$(abspath .cache/bin) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

helm: $(HELM)

test: venv kafka-jars portal-assets interop-schemas helm
	$(BIN)/pytest

test-unit: venv
	$(BIN)/pytest tests/unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(PACKAGES) tests
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

kafka: venv kafka-jars
	$(BIN)/python -m ketenkit.local_kafka --port 9092

kafka-secure: venv kafka-jars
	$(BIN)/python -m ketenkit.local_kafka --port 9092 --data-dir .data/kafka-secure --secure

# The same with a SASL_SSL listener (SCRAM only) for partners; its CA is made under .data/.
kafka-tls: venv kafka-jars
	$(BIN)/python -m ketenkit.local_kafka --port 9092 --data-dir .data/kafka-secure --secure --tls

run: venv kafka-jars portal-assets
	$(BIN)/python -m ketentools.devstack

SCALE ?= 0.01

# Synthetic load against a running stack (make run); writes ground-truth.json.
simulate: venv
	$(BIN)/python -m ketentools.simulate --scale $(SCALE)

# Throughput, latency and memory on the real local broker (BENCH_SCALE=1.0: a national year).
BENCH_SCALE ?= 1.0
bench: venv kafka-jars
	$(BIN)/python -m ketentools.bench --scale $(BENCH_SCALE) --out bench-results/bench.json

# Operator commands against a running stack (make run prints the admin token:
# export KETENMONITOR_ADMIN_TOKEN=... first).
monitor: venv
	$(BIN)/ketenmonitor monitor --csv monitor.csv --png monitor.png

# The yearly monitor report (Statistiek Wet inburgering) from the running stack's figures.
YEAR ?= 2025
report: venv
	$(BIN)/ketenmonitor report --year $(YEAR) $(if $(AS_OF),--as-of $(AS_OF)) --out swi-$(YEAR).html --out swi-$(YEAR).pdf

deadletters: venv
	$(BIN)/ketenmonitor deadletters list

replay: venv
	@test -n "$(REASON)$(OFFSET)" || { echo "usage: make replay REASON=processing_failed | OFFSET=partition:offset"; exit 2; }
	$(BIN)/ketenmonitor deadletters replay $(if $(REASON),--reason $(REASON)) $(if $(OFFSET),--offset $(OFFSET))

clean:
	rm -rf $(VENV) .cache .data
