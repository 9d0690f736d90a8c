#!/usr/bin/env bash
# A hung Elasticsearch, end to end with Docker (issue 22, item 6): what only the
# real contrib elasticsearch exporter 0.161.0 can show — that with
# `sending_queue.enabled: false` it returns the store's error synchronously, so
# config.elasticsearch.yaml's loopback hop keeps and retries the batch.
# test/collector-elasticsearch-hung.test.ts proves the rest with our binary and
# a stand-in store. Needs a Docker engine, so CI (which has none) and
# `make test` do not run it; run it where Docker is:
#   bash scripts/compose-hung-store.sh        # HANG_SECONDS=60 DEMO_SECONDS=150
# `docker pause` freezes Elasticsearch: the kernel still accepts connections and
# takes the bulk requests into socket buffers, nothing answers — a store that
# reads and never answers. Checks:
#  1. paused HANG_SECONDS during the demo, then unpaused: within 2 minutes of
#     the unpause every record the collector accepted is in Elasticsearch (not
#     after the 15 minutes the old `timeout` cost), none twice, and the hop
#     (otlphttp/elasticsearch) logged no "Dropping data";
#  2. paused again, records sent, the collector stopped (SIGTERM, compose's
#     30 s grace) during the pause: it exits within the grace; unpaused and
#     started again, those records arrive too.
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=(docker compose -f collector/docker-compose.yml)
HANG_SECONDS=${HANG_SECONDS:-60}
DEMO_SECONDS=${DEMO_SECONDS:-150}
ES=https://127.0.0.1:9200
say() { printf 'compose-hung-store: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

# Merged as compose merges it (config.secure.yaml first: its authenticator is in the overlay's list);
# validate reads no file, so any paths do.
docker run --rm -v "$PWD/collector:/c:ro" -e FILAMENT_COLLECTOR_TLS_CERT_FILE=/c/x.crt -e FILAMENT_COLLECTOR_TLS_KEY_FILE=/c/x.key \
  -e FILAMENT_COLLECTOR_TOKEN_FILE=/c/otlp.token -e FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE=/c/hop.token otel/opentelemetry-collector-contrib:0.161.0 \
  validate --config=/c/config.yaml --config=/c/config.secure.yaml --config=/c/config.elasticsearch.yaml || fail "the contrib collector 0.161.0 rejects config.elasticsearch.yaml"

export FILAMENT_TOPOLOGY_PREFIX=compose-hung.
make up
es_id() { "${COMPOSE[@]}" ps -q elasticsearch; }
trap 'docker unpause "$(es_id)" >/dev/null 2>&1 || true; kill $(jobs -p) 2>/dev/null; make down' EXIT
set -a; source collector/.env; set +a
# curl's options for Elasticsearch (scripts/lib/compose-checks.sh too): https verified with the stack's CA, as
# elastic — the password in a curl config file (0600 in the 0700 collector/secrets/), never on a command line
# that `ps` shows every local user.
(umask 077; printf 'user = "elastic:%s"\n' "$ELASTIC_PASSWORD" > collector/secrets/elastic.curl)
AUTH=(--cacert collector/secrets/ca.crt -K collector/secrets/elastic.curl)
SECRETS=collector/secrets
# shellcheck source=lib/compose-checks.sh
source scripts/lib/compose-checks.sh
wait_for_stack

declare -A STREAM=(
  [api.request]=logs-filament.api.otel-* [queue.message]=logs-filament.queue.otel-*
  [order.status_changed]=logs-filament.orders.otel-* [model3d.priced]=logs-filament.mes.otel-*
)
hop_dropped() { "${COMPOSE[@]}" logs collector 2>&1 | grep 'otlphttp/elasticsearch' | grep -E 'Dropping data|Rejecting data|no more retries' | grep -v 'interrupted due to shutdown' || true; }

demo() { # seconds → the demo against the stack, in the background
  OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:4318 OTEL_EXPORTER_OTLP_CERTIFICATE="$SECRETS/ca.crt" \
    OTEL_EXPORTER_OTLP_HEADERS="$(cat "$SECRETS/otlp.headers")" NODE_EXTRA_CA_CERTS="$SECRETS/ca.crt" \
    AMQP_URL="amqp://filament:${RABBITMQ_PASSWORD}@127.0.0.1:5672" TOPOLOGY_PREFIX=$FILAMENT_TOPOLOGY_PREFIX \
    ALERT_WAIT_S=10 DEMO_SECONDS=$1 make demo &
}

# 1. Hung during the run, then healthy again.
rm -rf demo-output
demo "$DEMO_SECONDS"; run=$!
sleep 20
say "pausing Elasticsearch for ${HANG_SECONDS}s (reads, never answers)"
docker pause "$(es_id)"
sleep "$HANG_SECONDS"
docker unpause "$(es_id)"
say "Elasticsearch unpaused"
wait "$run" || fail "the demo failed"
check_counts 120
[ -z "$(hop_dropped)" ] || fail "the hop dropped data: $(hop_dropped)"

# 2. Hung, the collector stopped during the hang, then both back.
demo 30; run=$!
sleep 10
docker pause "$(es_id)"
sleep 15
say "stopping the collector while Elasticsearch is paused"
start=$SECONDS
"${COMPOSE[@]}" stop collector
say "the collector stopped in $((SECONDS - start)) s"
[ $((SECONDS - start)) -lt 35 ] || fail "the stop outlasted the 30 s grace"
wait "$run" || fail "the demo failed"
docker unpause "$(es_id)"
"${COMPOSE[@]}" start collector
wait_for "the collector again" curl -fs http://127.0.0.1:13133/
check_counts 120
[ -z "$(hop_dropped)" ] || fail "the hop dropped data: $(hop_dropped)"
say "PASS"
