# shellcheck shell=bash
# What scripts/compose-e2e.sh and scripts/compose-hung-store.sh share: waiting for the stack and
# counting what reached Elasticsearch against what the collector accepted (its archive) and what
# the services emitted (their local copy). Sourced after the caller has set COMPOSE, ES, AUTH and
# the functions say and fail; check_counts reads the caller's STREAM (event name → data stream).

wait_for() { # description, command...
  local what=$1; shift
  for _ in $(seq 1 90); do "$@" >/dev/null 2>&1 && return 0; sleep 2; done
  fail "$what did not come up"
}
wait_for_stack() {
  wait_for "Elasticsearch" curl -fs "${AUTH[@]}" "$ES/_cluster/health?wait_for_status=yellow&timeout=1s"
  wait_for "the collector" curl -fs http://127.0.0.1:13133/
  wait_for "RabbitMQ" "${COMPOSE[@]}" exec -T rabbitmq rabbitmq-diagnostics -q ping
}

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
ARCHIVE=$(mktemp)
archived() { # event name → distinct document ids of that event in the collector's archive
  node -e '
    const ids = new Set(); const want = process.argv[1];
    for (const line of require("fs").readFileSync(process.argv[2], "utf8").split("\n")) {
      let doc; try { doc = JSON.parse(line); } catch { continue; } // a line cut by a kill
      for (const rl of doc.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) {
        if (r.eventName !== want) continue;
        const id = (r.attributes ?? []).find((a) => a.key === "elasticsearch.document_id");
        if (id) ids.add(id.value.stringValue);
      }
    }
    console.log(ids.size);' "$1" "$ARCHIVE"
}

# Every event of STREAM: Elasticsearch holds what the collector accepted (none lost) and no more
# than the services emitted (none twice; with document ids a copy cannot get a second _id, so this
# is the only way to see one), within $1 seconds.
check_counts() {
  # The archive lives on the collector's volume; the contrib image has no shell, so read it from a throw-away container.
  docker run --rm -v filament_otelcol:/v:ro busybox:1.37 sh -c 'cat /v/archive/filament-logs*.jsonl' >"$ARCHIVE"
  local deadline=$((SECONDS + $1)) event want sent got
  for event in "${!STREAM[@]}"; do
    want=$(archived "$event"); sent=$(emitted "$event")
    [ "$want" -gt 0 ] || fail "the collector accepted no $event (the services emitted $sent)"
    while :; do
      curl -fs "${AUTH[@]}" -X POST "$ES/${STREAM[$event]}/_refresh" >/dev/null || true
      got=$(count "${STREAM[$event]}" "event_name:\"$event\"")
      [ "$got" -ge "$want" ] || [ "$SECONDS" -ge "$deadline" ] || { sleep 5; continue; }
      break
    done
    [ "$got" -ge "$want" ] || fail "$event: $got documents in ${STREAM[$event]} for $want accepted by the collector, after $1 s (lost or late)"
    [ "$got" -le "$sent" ] || fail "$event: $got documents in ${STREAM[$event]} for $sent emitted by the services (duplicated)"
    say "$event: $got in ${STREAM[$event]}; accepted by the collector $want, emitted by the services $sent"
  done
}
