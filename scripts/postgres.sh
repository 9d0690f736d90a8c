#!/usr/bin/env bash
# PostgreSQL for the pg instrumentation's test, from Debian's package, on 127.0.0.1 only.
#   scripts/postgres.sh start   install via apt when absent, create the data dir once, start when not listening, wait
#   scripts/postgres.sh url     the connection URL (password auth, scram-sha-256) for the tests
#   scripts/postgres.sh stop
#   scripts/postgres.sh status
# Never systemd: a cluster of our own in a temp dir (POSTGRES_DIR), run by the postgres user
# (the server refuses root). No TCP listener but loopback (listen_addresses), the Unix socket in
# the data dir, and password authentication for every connection (pg_hba: scram-sha-256).
# https://www.postgresql.org/docs/15/app-initdb.html, https://www.postgresql.org/docs/15/runtime-config-connection.html
set -euo pipefail
PORT="${POSTGRES_PORT:-55432}"
# One directory (mode 700, the postgres user's): the cluster in data/, its password beside it.
HOME_DIR="${POSTGRES_DIR:-${TMPDIR:-/tmp}/filament-postgres-$PORT}"
DATA="$HOME_DIR/data"
PWFILE="$HOME_DIR/password"
USER_NAME=filament

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install() {
  if [ -n "$(bindir)" ]; then return; fi
  echo "postgres: installing postgresql with apt-get" >&2
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq postgresql >&2
}

# Runs a server binary as the postgres user when we are root (initdb and postgres refuse root).
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

init() {
  if [ -f "$DATA/PG_VERSION" ]; then return; fi
  echo "postgres: creating a cluster in $DATA" >&2
  rm -rf "$DATA"
  mkdir -p "$HOME_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$HOME_DIR"; fi
  chmod 700 "$HOME_DIR"
  # The password only in that directory (mode 600), never on a command line.
  if [ ! -s "$PWFILE" ]; then as_postgres sh -c "umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' > '$PWFILE'"; fi
  as_postgres "$(bindir)/initdb" -D "$DATA" -U "$USER_NAME" --pwfile="$PWFILE" --auth=scram-sha-256 -E UTF8 >/dev/null
}

start() {
  if listening; then echo "postgres: already listening on 127.0.0.1:$PORT" >&2; return; fi
  install
  init
  echo "postgres: starting on 127.0.0.1:$PORT" >&2
  as_postgres "$(bindir)/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories='$DATA'" start >/dev/null
  echo "postgres: ready on 127.0.0.1:$PORT" >&2
}

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then as_postgres "$(bindir)/pg_ctl" -D "$DATA" -m fast stop >/dev/null || true; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  url) echo "postgres://$USER_NAME:$(cat "$PWFILE")@127.0.0.1:$PORT/postgres" ;;
  status) if listening; then echo up; else echo down; exit 1; fi ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
