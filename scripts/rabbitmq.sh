#!/usr/bin/env bash
# RabbitMQ for tests and the demo, on 127.0.0.1:5672 (guest/guest), and AMQP over TLS on
# 127.0.0.1:5671 with a certificate for IP:127.0.0.1 and DNS:localhost from a CA of its own.
#   scripts/rabbitmq.sh start   install via apt when absent, start when not listening, wait; says
#                               where the TLS listener's CA is (amqpCaFile of filament-responder)
#   scripts/rabbitmq.sh stop
#   scripts/rabbitmq.sh status
#   scripts/rabbitmq.sh ca      the CA's path, alone on stdout (tests read it)
# Loopback only: RABBITMQ_NODE_IP_ADDRESS pins the listener to 127.0.0.1, the TLS listener too.
# The CA and the certificate are made once in RABBITMQ_TLS_DIR (keys 0600, the node's user's; a year,
# made anew when less than a day is left). A node started before it had the TLS listener keeps
# running without it: `start` says so; stop and start it to get the listener.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${RABBITMQ_PORT:-5672}"
TLS_PORT="${RABBITMQ_TLS_PORT:-5671}"
TLS_DIR="${RABBITMQ_TLS_DIR:-/var/lib/rabbitmq/filament-tls}"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT"
# The management plugin and the distribution port are not needed here.
export RABBITMQ_DIST_PORT="${RABBITMQ_DIST_PORT:-25672}"
# Loopback for everything else the node opens too: the Erlang distribution port,
# epmd, and the rabbitmq_prometheus listener (scripts/prometheus.sh enables that
# plugin, and `rabbitmq-plugins enable` persists it, so the next start brings it
# up at once -- on 0.0.0.0 unless told otherwise here).
# https://www.rabbitmq.com/docs/networking#epmd-inet-dist-port-range
# https://www.rabbitmq.com/docs/prometheus#configuration
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="${RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS:-} -kernel inet_dist_use_interface {127,0,0,1} -rabbitmq_prometheus tcp_config [{ip,\"127.0.0.1\"},{port,${RABBITMQ_PROMETHEUS_PORT:-15692}}]"
# AMQP over TLS (https://www.rabbitmq.com/docs/ssl#enabling-tls): the server's certificate only, no
# client certificates (clients log in with their password, encrypted now).
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="$RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS -rabbit ssl_listeners [{\"127.0.0.1\",$TLS_PORT}] -rabbit ssl_options [{cacertfile,\"$TLS_DIR/ca.crt\"},{certfile,\"$TLS_DIR/rabbitmq.crt\"},{keyfile,\"$TLS_DIR/rabbitmq.key\"},{verify,verify_none},{fail_if_no_peer_cert,false}]"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/${1:-$PORT}") 2>/dev/null; }

# The CA and the listener's certificate (scripts/alerting-secrets.sh's make_certs: P-256, names
# IP:127.0.0.1, DNS:localhost and DNS:rabbitmq), kept while valid for another day.
certificates() {
  if [ -f "$TLS_DIR/rabbitmq.key" ] && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/rabbitmq.crt" >/dev/null 2>&1 \
    && openssl x509 -checkend 86400 -noout -in "$TLS_DIR/ca.crt" >/dev/null 2>&1; then return; fi
  command -v openssl >/dev/null 2>&1 || { echo "rabbitmq: openssl is needed for the TLS listener's certificate" >&2; exit 1; }
  . "$HERE/alerting-secrets.sh"
  (umask 077; mkdir -p "$TLS_DIR"; rm -f "$TLS_DIR"/*.crt "$TLS_DIR"/*.key "$TLS_DIR"/*.srl
   FILAMENT_CERT_DAYS=365 make_certs "$TLS_DIR" rabbitmq)
  # The certificates are public (clients read ca.crt); the keys are the node's user's alone.
  chmod 755 "$TLS_DIR"; chmod 644 "$TLS_DIR/ca.crt" "$TLS_DIR/rabbitmq.crt"; chmod 600 "$TLS_DIR"/*.key
  if [ "$(id -u)" = 0 ] && id rabbitmq >/dev/null 2>&1; then chown rabbitmq:rabbitmq "$TLS_DIR/rabbitmq.key"; fi
  echo "rabbitmq: made a CA and the TLS listener's certificate in $TLS_DIR" >&2
}

tls_said() {
  if listening "$TLS_PORT"; then
    echo "rabbitmq: amqps://127.0.0.1:$TLS_PORT, its CA: $TLS_DIR/ca.crt" >&2
  else
    echo "rabbitmq: nothing listens on 127.0.0.1:$TLS_PORT (amqps): the node was started without the TLS listener; restart it (scripts/rabbitmq.sh stop; scripts/rabbitmq.sh start)" >&2
  fi
}

install() {
  if command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ]; then return; fi
  echo "rabbitmq: installing rabbitmq-server with apt-get" >&2
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq rabbitmq-server >&2
}

start() {
  if listening; then echo "rabbitmq: already listening on 127.0.0.1:$PORT" >&2; tls_said; return; fi
  install
  certificates
  export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
  echo "rabbitmq: starting (rabbitmq-server -detached)" >&2
  rabbitmq-server -detached >&2 || true
  for _ in $(seq 1 120); do
    if listening; then
      # The port opens before every plugin is up; wait for the node to say so.
      rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 || true
      echo "rabbitmq: ready on 127.0.0.1:$PORT" >&2
      tls_said
      return
    fi
    sleep 1
  done
  echo "rabbitmq: did not listen on 127.0.0.1:$PORT within 120 s; see /var/log/rabbitmq/" >&2
  exit 1
}

stop() {
  export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
  rabbitmqctl stop >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if listening; then echo up; else echo down; exit 1; fi ;;
  ca) echo "$TLS_DIR/ca.crt" ;;
  *) echo "usage: $0 start|stop|status|ca" >&2; exit 2 ;;
esac
