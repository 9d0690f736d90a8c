#!/usr/bin/env bash
# End to end with Docker: the stack of collector/docker-compose.yml, the demo
# against it, and what must be in Elasticsearch afterwards. Needs a Docker
# engine, so it cannot run on our CI machines (they have none) and `make test`
# does not run it; run it where Docker is:
#   bash scripts/compose-e2e.sh            # DEMO_SECONDS=90 by default
# Checks:
#  1. each of the six events, a histogram (http.server.request.duration) and a
#     trace are in their per-area data streams;
#  2. nothing lost and nothing twice although, during the demo, Elasticsearch
#     is restarted and later stopped while the collector is stopped gracefully
#     and started again: per event, the documents in Elasticsearch equal the
#     records the services emitted (their local JSON-lines copy in
#     demo-output/events/).
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=(docker compose -f collector/docker-compose.yml)
DEMO_SECONDS=${DEMO_SECONDS:-90}
ES=http://127.0.0.1:9200
say() { printf 'compose-e2e: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

make up
trap 'make down' EXIT
set -a; source collector/.env; set +a
AUTH=(-u "elastic:${ELASTIC_PASSWORD}")

wait_for() { # description, command...
  local what=$1; shift
  for _ in $(seq 1 90); do "$@" >/dev/null 2>&1 && return 0; sleep 2; done
  fail "$what did not come up"
}
wait_for "Elasticsearch" curl -fs "${AUTH[@]}" "$ES/_cluster/health?wait_for_status=yellow&timeout=1s"
wait_for "the collector" curl -fs http://127.0.0.1:13133/
wait_for "RabbitMQ" bash -c '</dev/tcp/127.0.0.1/5672'

rm -rf demo-output
say "demo for ${DEMO_SECONDS}s against the collector on 127.0.0.1:4318"
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 TOPOLOGY_PREFIX=compose-e2e DEMO_SECONDS=$DEMO_SECONDS make demo &
demo=$!

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

count() { # index pattern, query string → document count
  curl -fs "${AUTH[@]}" -G "$ES/$1/_count" --data-urlencode "q=$2" --data-urlencode 'ignore_unavailable=true' |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).count))'
}
emitted() { # event name → records the services emitted (their local copy)
  cat demo-output/events/*/*.jsonl 2>/dev/null | node -e '
    let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{ let n=0;
      for (const l of s.split("\n")) { if (!l) continue; try { if (JSON.parse(l).event_name === process.argv[1]) n++; } catch {} }
      console.log(n); })' "$1"
}

declare -A STREAM=(
  [api.request]=logs-filament.api.otel-* [api.error]=logs-filament.api.otel-*
  [queue.message]=logs-filament.queue.otel-* [queue.dead_lettered]=logs-filament.queue.otel-*
  [order.status_changed]=logs-filament.orders.otel-* [model3d.priced]=logs-filament.mes.otel-*
)
say "waiting for the persistent queue to drain"
for event in "${!STREAM[@]}"; do
  want=$(emitted "$event")
  [ "$want" -gt 0 ] || fail "the demo emitted no $event"
  for _ in $(seq 1 60); do
    curl -fs "${AUTH[@]}" -X POST "$ES/${STREAM[$event]}/_refresh" >/dev/null || true
    got=$(count "${STREAM[$event]}" "event_name:\"$event\"")
    [ "$got" -ge "$want" ] && break
    sleep 5
  done
  [ "$got" -eq "$want" ] || fail "$event: $got documents in ${STREAM[$event]} for $want emitted (lost or duplicated)"
  say "$event: $got of $want in ${STREAM[$event]}"
done

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
say "PASS"
