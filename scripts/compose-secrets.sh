#!/usr/bin/env bash
# Run by the one-shot `secrets` service of collector/docker-compose.yml (node image, as root, this
# repository read-only at /repo): the alerting loop's CA, server certificates, passwords and tokens,
# with the functions scripts/prometheus.sh uses (scripts/alerting-secrets.sh), and the configurations
# of Prometheus, Alertmanager and filament-responder. Each service gets a directory of its own under
# FILAMENT_SECRETS_DIR (the `secrets` volume), mode 0700, owned by the user the service runs as, its
# files 0600: no service reads another's keys or passwords. What people and services on the host
# need goes to FILAMENT_HOST_SECRETS_DIR (collector/secrets/, git-ignored), owned by FILAMENT_HOST_UID:
#   ca.crt                      the CA of every certificate here (OTEL_EXPORTER_OTLP_CERTIFICATE, browsers)
#   otlp.token                  the collector's bearer token; otlp.headers = OTEL_EXPORTER_OTLP_HEADERS's value
#   prometheus.credentials      user:password of the operator (`filament`) for Prometheus's UI and API
#   alertmanager.credentials    the same for Alertmanager
# Secrets are made once; FILAMENT_ROTATE=1 makes all of them anew (then restart the stack:
# docs/security.md). The configurations are written on every run, from the environment:
#   FILAMENT_RUNBOOK_BASE       base URL of the alerts' runbook links (make up: this checkout's docs/ as a
#                               file:// URL, written into collector/.env; your wiki or docs site instead)
#   FILAMENT_TOPOLOGY_PREFIX    prefix of the platform's queue names (the responder's re-drive; default none)
#   FILAMENT_MES_ADMIN_URL      the MES API's base URL as the responder reaches it: adds the runbooks that
#                               pause/resume its pricing consumer (unset: re-drive only)
#   RABBITMQ_USER, RABBITMQ_PASSWORD   the broker account the responder uses (its URL goes to a 0600 file)
#   FILAMENT_RULE_INTERVAL      rule evaluation and scrape interval (default 5s)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ALERTING="$HERE/../alerting"
. "$HERE/alerting-secrets.sh"
OUT="${FILAMENT_SECRETS_DIR:-/run/filament}"
HOST_OUT="${FILAMENT_HOST_SECRETS_DIR:-/host-secrets}"
HOST_UID="${FILAMENT_HOST_UID:-1000}" HOST_GID="${FILAMENT_HOST_GID:-${FILAMENT_HOST_UID:-1000}}"
: "${RABBITMQ_USER:?}" "${RABBITMQ_PASSWORD:?}"
# The users the images run as (collector/docker-compose.yml, `user:`). Elasticsearch and Kibana run as
# their official images' user, uid 1000 (gid 0; their Dockerfiles `chown -R 1000:0`), compose sets none;
# `setup` is the CA alone for the setup and setup-dashboards one-shots, which run as the node image's root.
# RabbitMQ's official image runs the node as its user rabbitmq, uid 999 (its Dockerfile's useradd --uid 999).
declare -A OWNER=([collector]=10001 [prometheus]=10002 [alertmanager]=10003 [responder]=10004 [verify-watch]=10005 [elasticsearch]=1000 [kibana]=1000 [setup]=0 [rabbitmq]=999)
say() { printf 'secrets: %s\n' "$*"; }
umask 077

# A file into a service's directory: 0600, owned by the service's user (root can chown; a run as
# another user — tests — keeps its own ownership).
put() { # src service [name] [owner]
  local dest="$OUT/$2/${3:-$(basename "$1")}" owner="${4:-${OWNER[$2]}}"
  install -m 0600 "$1" "$dest"
  if [ "$(id -u)" = 0 ]; then chown "$owner:$owner" "$dest"; fi
}
own_dir() { # dir uid gid
  mkdir -p "$1"; chmod 700 "$1"
  if [ "$(id -u)" = 0 ]; then chown "$2:$3" "$1"; fi
}

W="$OUT/.work"   # root's only: the CA key and every generated secret, copied out per service
mkdir -p "$OUT"; chmod 711 "$OUT"
for svc in "${!OWNER[@]}"; do own_dir "$OUT/$svc" "${OWNER[$svc]}" "${OWNER[$svc]}"; done
own_dir "$HOST_OUT" "$HOST_UID" "$HOST_GID"

# verify-watch.crt: secrets made before the store's watcher joined the stack are made anew once;
# elasticsearch-hop.token: likewise for secrets made before the collector's hop had a token;
# elasticsearch.crt, kibana.crt: likewise for secrets made before Elasticsearch and Kibana served HTTPS;
# rabbitmq.crt: likewise for secrets made before RabbitMQ had its TLS listener.
if [ -f "$W/complete" ] && [ -f "$W/verify-watch.crt" ] && [ -f "$W/elasticsearch-hop.token" ] \
  && [ -f "$W/elasticsearch.crt" ] && [ -f "$W/kibana.crt" ] && [ -f "$W/rabbitmq.crt" ] && [ "${FILAMENT_ROTATE:-0}" != 1 ]; then
  say "kept the existing secrets (FILAMENT_ROTATE=1 makes new ones)"
else
  if ! command -v htpasswd >/dev/null 2>&1; then
    # The node image has openssl but not htpasswd (Apache's bcrypt, apache2-utils): only needed here.
    say "installing apache2-utils (htpasswd)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils >/dev/null
  fi
  rm -rf "$W"; mkdir -m 700 "$W"
  # A year: the stack's certificates outlive a demo; rotation is FILAMENT_ROTATE=1.
  FILAMENT_CERT_DAYS="${FILAMENT_CERT_DAYS:-365}" make_certs "$W" collector prometheus alertmanager responder verify-watch elasticsearch kibana rabbitmq
  # One user per client, so that each secret can be rotated or revoked alone (docs/security.md).
  prom_users="$(make_user "$W" prometheus-operator filament; make_user "$W" prometheus-remote-write collector)"
  am_users="$(make_user "$W" alertmanager-operator filament; make_user "$W" alertmanager-prometheus prometheus; make_user "$W" alertmanager-responder responder)"
  web_config "$OUT/prometheus" prometheus "$prom_users" > "$W/prometheus-web.yml"
  web_config "$OUT/alertmanager" alertmanager "$am_users" > "$W/alertmanager-web.yml"
  openssl rand -hex 24 > "$W/otlp.token"
  openssl rand -hex 24 > "$W/responder.token"
  openssl rand -hex 24 > "$W/verify-metrics.token"
  # Known to the collector alone: both ends of its loopback hop to Elasticsearch (config.elasticsearch.yaml).
  openssl rand -hex 24 > "$W/elasticsearch-hop.token"
  # The collector's remote-write header, read by its config through ${file:…}: no final newline.
  printf 'Basic %s' "$(tr -d '\n' < "$W/prometheus-remote-write.credentials" | base64 -w0)" > "$W/prometheus.authorization"
  printf 'authorization=Bearer%%20%s\n' "$(cat "$W/otlp.token")" > "$W/otlp.headers"

  # Elasticsearch and Kibana serve HTTPS (docs/security.md, "Elasticsearch and Kibana"); their clients verify
  # the CA: the collector's and verify-watch's ca.crt here, setup's below. RabbitMQ's TLS listener (5671) likewise:
  # the responder verifies it with its ca.crt (amqpCaFile).
  for svc in collector prometheus alertmanager responder verify-watch elasticsearch kibana rabbitmq; do
    put "$W/ca.crt" "$svc"; put "$W/$svc.crt" "$svc"; put "$W/$svc.key" "$svc"
  done
  put "$W/ca.crt" setup
  put "$W/otlp.token" collector
  put "$W/elasticsearch-hop.token" collector
  put "$W/prometheus.authorization" collector
  put "$W/prometheus-web.yml" prometheus web.yml
  put "$W/alertmanager-prometheus.password" prometheus alertmanager.password
  put "$W/alertmanager-web.yml" alertmanager web.yml
  put "$W/responder.token" alertmanager
  put "$W/responder.token" responder webhook.token
  put "$W/alertmanager-responder.credentials" responder alertmanager.credentials
  # `filament verify --watch` serves /metrics over TLS to Prometheus's bearer token.
  put "$W/verify-metrics.token" verify-watch metrics.token
  put "$W/verify-metrics.token" prometheus verify.token
  touch "$W/complete"
  say "made the CA, the certificates of collector, prometheus, alertmanager, responder, verify-watch, elasticsearch, kibana and rabbitmq, passwords and tokens"
fi

# The host's copies (a bind mount): the CA, the OTLP token and header, the operator's credentials.
host_put() { # src name
  install -m 0600 "$1" "$HOST_OUT/$2"
  if [ "$(id -u)" = 0 ]; then chown "$HOST_UID:$HOST_GID" "$HOST_OUT/$2"; fi
}
host_put "$W/ca.crt" ca.crt
host_put "$W/otlp.token" otlp.token
host_put "$W/otlp.headers" otlp.headers
host_put "$W/prometheus-operator.credentials" prometheus.credentials
host_put "$W/alertmanager-operator.credentials" alertmanager.credentials

# The broker URL with its password: a 0600 file (amqpUrlFile), never the configuration. amqps:// to RabbitMQ's TLS
# listener (collector/rabbitmq-tls.conf): the password crosses the compose network encrypted (docs/security.md).
printf 'amqps://%s:%s@rabbitmq:5671\n' "$RABBITMQ_USER" "$RABBITMQ_PASSWORD" > "$W/amqp.url"
put "$W/amqp.url" responder

# Configurations (paths as the services see them: the volume is mounted at the same place everywhere).
FILAMENT_RESPONDER_URL=https://responder:9787/alerts FILAMENT_RESPONDER_TOKEN_FILE="$OUT/alertmanager/responder.token" \
  FILAMENT_RESPONDER_CA_FILE="$OUT/alertmanager/ca.crt" alertmanager_config "$W/alertmanager.yml" "$OUT/alertmanager/ca.crt"
put "$W/alertmanager.yml" alertmanager
FILAMENT_RABBITMQ_METRICS=rabbitmq:15692 FILAMENT_VERIFY_METRICS=verify-watch:9464 \
  FILAMENT_VERIFY_METRICS_TOKEN_FILE="$OUT/prometheus/verify.token" FILAMENT_VERIFY_METRICS_CA_FILE="$OUT/prometheus/ca.crt" \
  prometheus_config '/etc/prometheus/rules/*.yml' alertmanager:9093 "$OUT/prometheus/ca.crt" "$OUT/prometheus/alertmanager.password" > "$W/prometheus.yml"
put "$W/prometheus.yml" prometheus

# filament-responder: TLS with its certificate, the token Alertmanager sends, Alertmanager's API as
# the `responder` user (every alert confirmed before it acts), the broker URL from its 0600 file, the
# stack's CA for RabbitMQ's certificate.
OUT="$OUT" PREFIX="${FILAMENT_TOPOLOGY_PREFIX:-}" MES="${FILAMENT_MES_ADMIN_URL:-}" node -e '
  const { OUT, PREFIX, MES } = process.env;
  const r = `${OUT}/responder`;
  const toggle = (alertname) => ({
    action: "http-toggle", match: { alertname, job: "mes-api" },
    onFiring: { method: "POST", url: `${MES.replace(/\/+$/, "")}/admin/consumers/pause` },
    onResolved: { method: "POST", url: `${MES.replace(/\/+$/, "")}/admin/consumers/resume` },
    silence: { matchers: { alertname: "FilamentQueueGrowingWithoutConsumers", queue: `${PREFIX}mes.pricing.requests` } },
  });
  const config = {
    listen: "0.0.0.0:9787",
    tls: { certFile: `${r}/responder.crt`, keyFile: `${r}/responder.key` },
    tokenFile: `${r}/webhook.token`,
    alertmanager: { url: "https://alertmanager:9093", caFile: `${r}/ca.crt`, credentialsFile: `${r}/alertmanager.credentials` },
    amqpUrlFile: `${r}/amqp.url`,
    amqpCaFile: `${r}/ca.crt`,
    auditFile: "/var/lib/filament-responder/audit.jsonl",
    stateFile: "/var/lib/filament-responder/state.jsonl",
    runbooks: [
      { action: "redrive", match: { alertname: "FilamentDeadLetterBurst" }, deadLetterQueue: `${PREFIX}platform.dlq`,
        parkingLotQueue: `${PREFIX}platform.parking-lot`, maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 10000 },
      ...(MES ? [toggle("FilamentServiceOutage"), toggle("FilamentApiErrorRatioHigh")] : []),
    ],
  };
  process.stdout.write(JSON.stringify(config, null, 2) + "\n");' > "$W/responder.json"
put "$W/responder.json" responder
say "wrote prometheus.yml (runbook links under ${FILAMENT_RUNBOOK_BASE:-docs/, no base set}), alertmanager.yml, responder.json"

# The data volumes, for the users the services run as.
for d in /prometheus:prometheus /alertmanager:alertmanager /var/lib/filament-responder:responder; do
  dir="${d%%:*}" svc="${d#*:}"
  if [ -d "$dir" ] && [ "$(id -u)" = 0 ]; then chown -R "${OWNER[$svc]}:${OWNER[$svc]}" "$dir"; chmod 700 "$dir"; fi
done
