#!/usr/bin/env bash
# End to end with Docker: the stack of collector/docker-compose.yml, the demo
# against it, and what must be in Elasticsearch afterwards. Needs a Docker
# engine, so it cannot run on our CI machines (they have none) and `make test`
# does not run it; run it where Docker is:
#   bash scripts/compose-e2e.sh            # DEMO_SECONDS=90 by default
# Checks:
#  0. the contrib collector 0.161.0 accepts config.yaml with each overlay
#     (config.elasticsearch.yaml, config.opensearch.yaml);
#  1. each of the six events, a histogram (http.server.request.duration) and a
#     trace are in their per-area data streams;
#  2. nothing lost and nothing twice although, during the demo, Elasticsearch
#     is restarted and later stopped while the collector is stopped and
#     started again: per event, the documents in Elasticsearch equal the
#     distinct records (document ids) the collector accepted — its archive
#     file, written in the same pipeline — and are no more than the services
#     emitted. What the services emitted (their
#     local JSON-lines copy in demo-output/events/) is printed beside it: the
#     services' own retries cannot bridge a collector that is down for its
#     whole stop grace period, and that gap is not the Elasticsearch leg's.
#  3. the alerting loop (collector → Prometheus → Alertmanager → filament-responder,
#     every hop TLS and authenticated): Prometheus, Alertmanager and the OTLP
#     receivers refuse a request without credentials (401); the demo's poison
#     messages fire FilamentDeadLetterBurst, with a runbook_url under
#     FILAMENT_RUNBOOK_BASE; the responder is notified and, when it resolves,
#     re-drives that fault's dead letters (its audit, read in its container).
#  (The demo's services send over TLS with the token: collector/secrets/.)
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=(docker compose -f collector/docker-compose.yml)
DEMO_SECONDS=${DEMO_SECONDS:-90}
ES=https://127.0.0.1:9200
say() { printf 'compose-e2e: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }
VALIDATE_ENV=(-e FILAMENT_COLLECTOR_TLS_CERT_FILE=/c/x.crt -e FILAMENT_COLLECTOR_TLS_KEY_FILE=/c/x.key
  -e FILAMENT_COLLECTOR_TOKEN_FILE=/c/otlp.token -e FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE=/c/hop.token)

# 0. The overlays' exporter settings are checked by the contrib binary itself
#    (our own build cannot contain these exporters).
#    Each store overlay is merged after config.secure.yaml, whose authenticator
#    its extension list names; validate reads no file, so any paths do.
for overlay in config.elasticsearch.yaml config.opensearch.yaml; do
  docker run --rm -v "$PWD/collector:/c:ro" "${VALIDATE_ENV[@]}" otel/opentelemetry-collector-contrib:0.161.0 \
    validate --config=/c/config.yaml --config=/c/config.secure.yaml --config=/c/$overlay || fail "the contrib collector 0.161.0 rejects $overlay"
  say "contrib 0.161.0 accepts config.yaml + config.secure.yaml + $overlay"
done

# The responder's re-drive runbook names the demo's queues (scripts/compose-secrets.sh).
export FILAMENT_TOPOLOGY_PREFIX=compose-e2e.
make up
trap 'kill $(jobs -p) 2>/dev/null; make down' EXIT
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
# The operator's credentials go to curl in a config file (-K), never on its command line.
op() { # service → a curl config with its user:password
  printf 'user = "%s"\n' "$(cat "$SECRETS/$1.credentials")"
}
PROM=https://127.0.0.1:9090 AM=https://127.0.0.1:9093
wait_for "Prometheus" curl -fs --cacert "$SECRETS/ca.crt" -K <(op prometheus) "$PROM/-/ready"
wait_for "Alertmanager" curl -fs --cacert "$SECRETS/ca.crt" -K <(op alertmanager) "$AM/-/ready"
wait_for "the responder" sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' \$(${COMPOSE[*]} ps -q responder))\" = healthy ]"
status() { curl -s -o /dev/null -w '%{http_code}' --cacert "$SECRETS/ca.crt" "$@"; }
for url in "$PROM/api/v1/query?query=up" "$AM/api/v2/alerts"; do
  [ "$(status "$url")" = 401 ] || fail "$url answered a request without credentials"
done
[ "$(status -X POST -H 'content-type: application/json' -d '{}' https://127.0.0.1:4318/v1/logs)" = 401 ] \
  || fail "the collector accepted OTLP without the token"
[ "$(status -K <(op prometheus) "$PROM/api/v1/query?query=up")" = 200 ] || fail "Prometheus refused the operator"
say "Prometheus, Alertmanager and the OTLP receivers refuse requests without credentials (401)"
# Elasticsearch and Kibana: https only, with the stack's CA (docs/security.md, "Elasticsearch and Kibana").
KIBANA=https://127.0.0.1:5601
wait_for "Kibana over https" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert $SECRETS/ca.crt $KIBANA/api/status)\" != 000 ]"
[ "$(status "$ES/_cluster/health")" = 401 ] || fail "Elasticsearch answered without credentials"
[ "$(status "${AUTH[@]}" "$ES/_cluster/health")" = 200 ] || fail "Elasticsearch refused elastic over https"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http${ES#https}/")" = 000 ] || fail "Elasticsearch answered plain HTTP"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http${KIBANA#https}/")" = 000 ] || fail "Kibana answered plain HTTP"
curl -s -o /dev/null "$ES/" 2>/dev/null && fail "Elasticsearch's certificate verified without the stack's CA"
say "Elasticsearch and Kibana: https with the stack's CA; plain HTTP and an untrusted client refused"

rm -rf demo-output
say "demo for ${DEMO_SECONDS}s against the collector on 127.0.0.1:4318 (TLS, bearer token)"
# NODE_EXTRA_CA_CERTS: the demo's own probe of the collector trusts the stack's CA too.
OTEL_EXPORTER_OTLP_ENDPOINT=https://127.0.0.1:4318 OTEL_EXPORTER_OTLP_CERTIFICATE="$SECRETS/ca.crt" \
  OTEL_EXPORTER_OTLP_HEADERS="$(cat "$SECRETS/otlp.headers")" NODE_EXTRA_CA_CERTS="$SECRETS/ca.crt" \
  AMQP_URL="amqp://filament:${RABBITMQ_PASSWORD}@127.0.0.1:5672" TOPOLOGY_PREFIX=$FILAMENT_TOPOLOGY_PREFIX \
  ALERT_WAIT_S=150 DEMO_SECONDS=$DEMO_SECONDS make demo &
demo=$!
# What Alertmanager holds during the run, one JSON array a line (the alerts resolve before the end).
ALERTS=$(mktemp)
(while :; do curl -fs --cacert "$SECRETS/ca.crt" -K <(op alertmanager) "$AM/api/v2/alerts" >>"$ALERTS" && echo >>"$ALERTS"; sleep 5; done) &
watcher=$!

sleep $((DEMO_SECONDS / 4))
say "restarting Elasticsearch during the run"
"${COMPOSE[@]}" restart elasticsearch
sleep $((DEMO_SECONDS / 4))
say "Elasticsearch down, collector stopped gracefully and started again, then Elasticsearch back"
"${COMPOSE[@]}" stop elasticsearch
sleep 10
"${COMPOSE[@]}" restart collector
sleep 10
"${COMPOSE[@]}" start elasticsearch
wait "$demo" || fail "the demo failed"
wait_for "Elasticsearch after the run" curl -fs "${AUTH[@]}" "$ES/_cluster/health?wait_for_status=yellow&timeout=1s"

declare -A STREAM=(
  [api.request]=logs-filament.api.otel-* [api.error]=logs-filament.api.otel-*
  [queue.message]=logs-filament.queue.otel-* [queue.dead_lettered]=logs-filament.queue.otel-*
  [order.status_changed]=logs-filament.orders.otel-* [model3d.priced]=logs-filament.mes.otel-*
)
say "waiting for the persistent queue to drain"
sleep 15
check_counts 300

# otel-mode metric documents keep the metric under its name (metrics.<name> in some versions).
h=$(count 'metrics-filament.api.otel-*' '_exists_:http.server.request.duration OR _exists_:metrics.http.server.request.duration')
[ "$h" -gt 0 ] || fail "no http.server.request.duration histogram in metrics-filament.api.otel-*"
say "histogram: $h documents with http.server.request.duration"
p=$(count 'metrics-filament.mes.otel-*' '_exists_:model3d.pricing.duration OR _exists_:metrics.model3d.pricing.duration')
[ "$p" -gt 0 ] || fail "no model3d.pricing.duration histogram in metrics-filament.mes.otel-*"
t=$(count 'traces-filament.api.otel-*' '*')
q=$(count 'traces-filament.queue.otel-*' '*')
[ "$t" -gt 0 ] && [ "$q" -gt 0 ] || fail "traces missing: api $t, queue $q"
say "traces: $t spans in traces-filament.api.otel-*, $q in traces-filament.queue.otel-*"
# 3. The alerting loop answered the poison messages.
audit() { "${COMPOSE[@]}" exec -T responder cat /var/lib/filament-responder/audit.jsonl 2>/dev/null || true; }
answered() { # → the re-drive of a resolved FilamentDeadLetterBurst (reason rejected), as one JSON line
  audit | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{
      for (const l of s.split("\n")) { let r; try { r = JSON.parse(l); } catch { continue; }
        if (r.kind === "action" && r.alertname === "FilamentDeadLetterBurst" && r.outcome === "ok" && r.counts?.redriven !== undefined) {
          console.log(l); process.exit(0); } }
      process.exit(1); });'
}
notified=$(audit | grep -c '"alertname":"FilamentDeadLetterBurst"' || true)
[ "$notified" -gt 0 ] || fail "the responder was never notified of FilamentDeadLetterBurst (its audit: $(audit | tail -3))"
for _ in $(seq 1 60); do answered >/dev/null && break; sleep 5; done
line=$(answered) || fail "FilamentDeadLetterBurst never resolved into a re-drive (audit: $(audit | tail -3))"
say "the responder re-drove the poison messages' dead letters: $line"
# It did so over TLS: the broker lists its connection (kept open) on the TLS listener (docs/security.md,
# "responder → RabbitMQ"). -s: no banner, no table headers.
tls_conns=$("${COMPOSE[@]}" exec -T rabbitmq rabbitmqctl -s list_connections user ssl port 2>/dev/null \
  | awk '$1 == "filament" && $2 == "true" && $3 == 5671' | wc -l)
[ "$tls_conns" -gt 0 ] || fail "no connection of filament on RabbitMQ's TLS listener (5671): the responder is not on amqps://"
say "the responder's broker connection is TLS (5671): $tls_conns"
kill "$watcher" 2>/dev/null || true
links=$(node -e '
  const urls = new Set();
  for (const l of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
    let alerts; try { alerts = JSON.parse(l); } catch { continue; }
    for (const a of alerts) if (a.labels.alertname === "FilamentDeadLetterBurst") urls.add(a.annotations.runbook_url);
  }
  console.log([...urls].join("\n"));' "$ALERTS")
[ "$links" = "$FILAMENT_RUNBOOK_BASE/alerting.md#filamentdeadletterburst" ] \
  || fail "FilamentDeadLetterBurst's runbook_url in Alertmanager: '$links', not under FILAMENT_RUNBOOK_BASE=$FILAMENT_RUNBOOK_BASE"
say "runbook link: $links"
say "PASS"
