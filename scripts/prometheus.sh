#!/usr/bin/env bash
# Prometheus + Alertmanager (Debian packages) for tests and the demo, on free
# loopback ports with their own data directories — never via systemd. Both run
# behind their own --web.config.file (TLS + basic auth, docs/security.md).
#   scripts/prometheus.sh install        apt-get install prometheus prometheus-alertmanager apache2-utils when absent
#   scripts/prometheus.sh check          promtool check rules + promtool test rules, amtool check-config
#   scripts/prometheus.sh start DIR      start both with data under DIR; prints KEY=VALUE lines (URLs, the CA
#                                        file, the 0600 credential files — never a password — and pids)
#   scripts/prometheus.sh stop DIR       stop what `start DIR` started (by its pid files)
#   scripts/prometheus.sh rabbitmq-plugin
#                                        enable RabbitMQ's rabbitmq_prometheus plugin online, bound to
#                                        127.0.0.1:15692 (no restart); prints RABBITMQ_METRICS=host:port
# Environment for start:
#   FILAMENT_RESPONDER_URL       Alertmanager's webhook target (default http://127.0.0.1:9787/alerts)
#   FILAMENT_RESPONDER_TOKEN_FILE  the responder's bearer token (a file); Alertmanager sends it on every
#                                webhook call. Unset: the webhook goes without a token (says so on stderr).
#   FILAMENT_RESPONDER_CA_FILE   the CA that signed an https responder's certificate (unset: the run's CA for
#                                an https responder on loopback — it may serve RESPONDER_TLS_* below — else system roots)
#   FILAMENT_RABBITMQ_METRICS    host:port of RabbitMQ's prometheus plugin to scrape (/metrics/per-object); unset = none
#   FILAMENT_RABBITMQ_QUEUES     keep only queues whose name matches this regex (a shared broker); unset = all
#   FILAMENT_VERIFY_METRICS      host:port of `filament verify --watch` to scrape (job filament-verify, https); unset = none.
#                                It needs FILAMENT_VERIFY_METRICS_PASSWORD_FILE (with _USERNAME, basic auth) or
#                                FILAMENT_VERIFY_METRICS_TOKEN_FILE (bearer), and FILAMENT_VERIFY_METRICS_CA_FILE
#                                (default: the run's CA, which signs VERIFY_TLS_CERT_FILE below)
#   FILAMENT_RULE_INTERVAL       rule evaluation and scrape interval (default 5s; see docs/alerting.md)
#   FILAMENT_RUNBOOK_BASE        base URL of the alerts' runbook_url links (default file://<this checkout>/docs)
#   FILAMENT_PROMETHEUS_EXTERNAL_URL, FILAMENT_ALERTMANAGER_EXTERNAL_URL
#                                the URLs people reach them at, used in the links of notifications
#                                (default https://127.0.0.1:<port>, never the machine's hostname)
#   FILAMENT_PROMETHEUS_BACKFILL an OpenMetrics file of past samples (e.g. the 30-minute baselines' history) written
#                                into the fresh data directory with `promtool tsdb create-blocks-from openmetrics`
#                                before Prometheus starts; its samples must end before now (docs/alerting.md)
# Output of start (KEY=VALUE):
#   ALERTING_CA_FILE             the run's CA certificate (verifies both servers' certificates)
#   PROMETHEUS_URL, PROMETHEUS_REMOTE_WRITE_URL, ALERTMANAGER_URL   https, 127.0.0.1
#   PROMETHEUS_CREDENTIALS_FILE, ALERTMANAGER_CREDENTIALS_FILE      operator `user:password` (0600): queries, the API
#   PROMETHEUS_REMOTE_WRITE_CREDENTIALS_FILE                        the collector's `user:password` (0600)
#   ALERTMANAGER_RESPONDER_CREDENTIALS_FILE                         the responder's `user:password` (0600): silences
#   RESPONDER_TLS_CERT_FILE, RESPONDER_TLS_KEY_FILE                 a certificate for an https responder on loopback
#   COLLECTOR_TLS_CERT_FILE, COLLECTOR_TLS_KEY_FILE                 one for a collector's OTLP receivers (config.secure.yaml)
#   VERIFY_TLS_CERT_FILE, VERIFY_TLS_KEY_FILE                       one for `filament verify --watch` on loopback
#   PROMETHEUS_PID, ALERTMANAGER_PID
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALERTING="$ROOT/alerting"
# make_certs, make_user, web_config, alertmanager_config, prometheus_config: shared with compose.
. "$ROOT/scripts/alerting-secrets.sh"

install() {
  if command -v promtool >/dev/null 2>&1 && command -v prometheus-alertmanager >/dev/null 2>&1 \
    && command -v htpasswd >/dev/null 2>&1; then return; fi
  echo "prometheus: installing prometheus prometheus-alertmanager apache2-utils with apt-get" >&2
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  # policy-rc.d (containers) or our own start keep the packaged services out of the way.
  # apache2-utils: htpasswd, Apache's maintained bcrypt for the web configs' basic_auth_users.
  $sudo apt-get install -y -qq prometheus prometheus-alertmanager apache2-utils >&2
}

check() {
  install
  promtool check rules "$ALERTING"/rules/*.yml >&2
  (cd "$ALERTING/tests" && promtool test rules ./*.yml) >&2
  amtool check-config "$ALERTING/alertmanager.yml" >&2
}

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# GET url over TLS (CA file) with basic auth from a `user:password` file; exit 0 on a 200.
# The password goes from the file into the request inside node: never on a command line.
https_ok() { # url ca credentials-file
  node -e '
    const fs = require("fs"); const [url, ca, cred] = process.argv.slice(1);
    const auth = "Basic " + Buffer.from(fs.readFileSync(cred, "utf8").trim()).toString("base64");
    require("https").get(url, { ca: fs.readFileSync(ca), headers: { authorization: auth }, timeout: 2000 },
      (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1));' "$1" "$2" "$3"
}

wait_ready() { # url name pid ca credentials-file
  for _ in $(seq 1 300); do
    if https_ok "$1" "$4" "$5"; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "$2 exited; see its log" >&2; return 1; fi
    sleep 0.1
  done
  echo "$2 did not become ready at $1" >&2; return 1
}

start() {
  local dir="$1"; install
  # Every file start writes is the owner's only: keys, passwords, hashes, configs, logs.
  umask 077
  mkdir -p "$dir/prometheus-data" "$dir/alertmanager-data" "$dir/secrets"
  chmod 700 "$dir/secrets"
  local s="$dir/secrets" prom_port am_port interval prom_users am_users
  prom_port="$(free_port)"; am_port="$(free_port)"
  interval="${FILAMENT_RULE_INTERVAL:-5s}"

  make_certs "$s" prometheus alertmanager responder collector verify
  # One user per client, so that each secret can be rotated or revoked alone (docs/security.md).
  prom_users="$(make_user "$s" prometheus-operator filament; make_user "$s" prometheus-remote-write collector)"
  am_users="$(make_user "$s" alertmanager-operator filament; make_user "$s" alertmanager-prometheus prometheus; make_user "$s" alertmanager-responder responder)"
  web_config "$s" prometheus "$prom_users" > "$dir/prometheus-web.yml"
  web_config "$s" alertmanager "$am_users" > "$dir/alertmanager-web.yml"

  alertmanager_config "$dir/alertmanager.yml" "$s/ca.crt"
  FILAMENT_RULE_INTERVAL="$interval" FILAMENT_RUNBOOK_BASE="${FILAMENT_RUNBOOK_BASE:-file://$ROOT/docs}" \
    prometheus_config "$ALERTING/rules/*.yml" "127.0.0.1:$am_port" "$s/ca.crt" "$s/alertmanager-prometheus.password" > "$dir/prometheus.yml"
  if [ -n "${FILAMENT_PROMETHEUS_BACKFILL:-}" ]; then
    promtool tsdb create-blocks-from openmetrics "$FILAMENT_PROMETHEUS_BACKFILL" "$dir/prometheus-data" >"$dir/backfill.log" 2>&1 \
      || { cat "$dir/backfill.log" >&2; echo "backfill of $FILAMENT_PROMETHEUS_BACKFILL failed" >&2; return 1; }
  fi

  # --web.external-url: the links in notifications (generatorURL, externalURL) are these https URLs
  # (or the operator's), not the machine's hostname. No --web.enable-lifecycle: nothing here reloads or quits Prometheus
  # over HTTP (stop sends SIGTERM), so /-/reload and /-/quit stay off.
  prometheus-alertmanager --config.file "$dir/alertmanager.yml" --storage.path "$dir/alertmanager-data" \
    --web.listen-address "127.0.0.1:$am_port" --web.config.file "$dir/alertmanager-web.yml" \
    --web.external-url "${FILAMENT_ALERTMANAGER_EXTERNAL_URL:-https://127.0.0.1:$am_port}" --cluster.listen-address= >"$dir/alertmanager.log" 2>&1 &
  echo $! > "$dir/alertmanager.pid"
  prometheus --config.file "$dir/prometheus.yml" --storage.tsdb.path "$dir/prometheus-data" \
    --web.listen-address "127.0.0.1:$prom_port" --web.config.file "$dir/prometheus-web.yml" \
    --web.external-url "${FILAMENT_PROMETHEUS_EXTERNAL_URL:-https://127.0.0.1:$prom_port}" --web.enable-remote-write-receiver >"$dir/prometheus.log" 2>&1 &
  echo $! > "$dir/prometheus.pid"
  wait_ready "https://127.0.0.1:$am_port/-/ready" alertmanager "$(cat "$dir/alertmanager.pid")" "$s/ca.crt" "$s/alertmanager-operator.credentials"
  wait_ready "https://127.0.0.1:$prom_port/-/ready" prometheus "$(cat "$dir/prometheus.pid")" "$s/ca.crt" "$s/prometheus-operator.credentials"
  echo "ALERTING_CA_FILE=$s/ca.crt"
  echo "PROMETHEUS_URL=https://127.0.0.1:$prom_port"
  echo "PROMETHEUS_REMOTE_WRITE_URL=https://127.0.0.1:$prom_port/api/v1/write"
  echo "PROMETHEUS_CREDENTIALS_FILE=$s/prometheus-operator.credentials"
  echo "PROMETHEUS_REMOTE_WRITE_CREDENTIALS_FILE=$s/prometheus-remote-write.credentials"
  echo "ALERTMANAGER_URL=https://127.0.0.1:$am_port"
  echo "ALERTMANAGER_CREDENTIALS_FILE=$s/alertmanager-operator.credentials"
  echo "ALERTMANAGER_RESPONDER_CREDENTIALS_FILE=$s/alertmanager-responder.credentials"
  echo "RESPONDER_TLS_CERT_FILE=$s/responder.crt"
  echo "RESPONDER_TLS_KEY_FILE=$s/responder.key"
  echo "COLLECTOR_TLS_CERT_FILE=$s/collector.crt"
  echo "COLLECTOR_TLS_KEY_FILE=$s/collector.key"
  echo "VERIFY_TLS_CERT_FILE=$s/verify.crt"
  echo "VERIFY_TLS_KEY_FILE=$s/verify.key"
  echo "PROMETHEUS_PID=$(cat "$dir/prometheus.pid")"
  echo "ALERTMANAGER_PID=$(cat "$dir/alertmanager.pid")"
}

stop() {
  local dir="$1" name pid
  for name in prometheus alertmanager; do
    [ -f "$dir/$name.pid" ] || continue
    pid="$(cat "$dir/$name.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

# The plugin listens on 0.0.0.0 unless configured: its listener settings go into
# the running node's application environment first, then the plugin is enabled
# (online, no restart). If it still came up on another address, it is disabled again.
on_all_interfaces() {
  ss -ltn 2>/dev/null | awk '{print $4}' | grep -Eq "^(0\.0\.0\.0|\*|\[::\]):$1$"
}

rabbitmq_plugin() {
  local port="${RABBITMQ_PROMETHEUS_PORT:-15692}"
  export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    rabbitmqctl eval "application:set_env(rabbitmq_prometheus, tcp_config, [{ip, \"127.0.0.1\"}, {port, $port}])." >/dev/null
    rabbitmq-plugins enable rabbitmq_prometheus >&2
  fi
  if on_all_interfaces "$port"; then
    # A node started by something other than scripts/rabbitmq.sh, with the plugin
    # already enabled: restart the plugin with the loopback listener.
    rabbitmq-plugins disable rabbitmq_prometheus >&2
    rabbitmqctl eval "application:set_env(rabbitmq_prometheus, tcp_config, [{ip, \"127.0.0.1\"}, {port, $port}])." >/dev/null
    rabbitmq-plugins enable rabbitmq_prometheus >&2
  fi
  if on_all_interfaces "$port"; then
    rabbitmq-plugins disable rabbitmq_prometheus >&2
    echo "rabbitmq_prometheus came up on all interfaces; disabled it again" >&2; exit 1
  fi
  echo "RABBITMQ_METRICS=127.0.0.1:$port"
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  start) [ -n "${2:-}" ] || { echo "usage: $0 start DIR" >&2; exit 2; }; start "$2" ;;
  stop) [ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }; stop "$2" ;;
  rabbitmq-plugin) rabbitmq_plugin ;;
  *) echo "usage: $0 install|check|start DIR|stop DIR|rabbitmq-plugin" >&2; exit 2 ;;
esac
