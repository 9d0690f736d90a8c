#!/usr/bin/env bash
# RabbitMQ for tests and the demo, on 127.0.0.1:5672 (guest/guest).
#   scripts/rabbitmq.sh start   install via apt when absent, start when not listening, wait
#   scripts/rabbitmq.sh stop
#   scripts/rabbitmq.sh status
# Loopback only: RABBITMQ_NODE_IP_ADDRESS pins the listener to 127.0.0.1.
set -euo pipefail
PORT="${RABBITMQ_PORT:-5672}"
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

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

install() {
  if command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ]; then return; fi
  echo "rabbitmq: installing rabbitmq-server with apt-get" >&2
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq rabbitmq-server >&2
}

start() {
  if listening; then echo "rabbitmq: already listening on 127.0.0.1:$PORT" >&2; return; fi
  install
  export PATH="$PATH:/usr/sbin:/usr/lib/rabbitmq/bin"
  echo "rabbitmq: starting (rabbitmq-server -detached)" >&2
  rabbitmq-server -detached >&2 || true
  for _ in $(seq 1 120); do
    if listening; then
      # The port opens before every plugin is up; wait for the node to say so.
      rabbitmqctl await_startup --timeout 60 >/dev/null 2>&1 || true
      echo "rabbitmq: ready on 127.0.0.1:$PORT" >&2
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
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
