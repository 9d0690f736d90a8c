#!/usr/bin/env bash
# A real single-node OpenSearch 2.19.1 with the security plugin and its audit log, for tests.
# Everything comes from Maven Central (recipe and pitfalls: docs/setup.md, "The test engine").
#
#   scripts/opensearch.sh install      JDK/maven/openssl/unzip via apt when absent, artifacts via
#                                      `mvn dependency:get`, an OpenSearch home with the plugins (cached)
#   scripts/opensearch.sh start DIR    a node whose config, certificates, data and logs live in DIR;
#                                      waits for green; prints `ca=DIR/config/certs/root-ca.pem` (the CA
#                                      of its HTTPS certificate: --ca-cert / FILAMENT_SETUP_CA_CERT) and
#                                      `url=https://127.0.0.1:PORT` last
#   scripts/opensearch.sh stop DIR     stops that node and removes DIR
#
# start reads: OPENSEARCH_HTTP_PORT, OPENSEARCH_TRANSPORT_PORT (free loopback ports, required),
# OPENSEARCH_ADMIN_PASSWORD (the internal `admin` user's password, required),
# OPENSEARCH_HEAP (default 512m), OPENSEARCH_SECURITY=disabled (the plugin switched off: plain HTTP,
# no `ca=` line — an engine without security, as `filament setup` must refuse it).
# HTTP is TLS (the project's rule: every hop encrypts); its certificate, signed by the node's own CA, names
# IP:127.0.0.1 and DNS:localhost. Every start rewrites DIR/config from the home's pristine config, so a
# home cached before HTTP TLS needs no reinstall.
# OpenSearch refuses to run as root: as root the node runs as the system user `filament-opensearch`,
# and the home is kept where that user can read it (/var/cache/filament, not root's 0700 home).
set -euo pipefail

VERSION=2.19.1
PLUGIN_VERSION=2.19.1.0
NODE_USER=filament-opensearch
CACHE="${FILAMENT_CACHE:-$HOME/.cache/filament}/opensearch"
M2="$CACHE/m2"
if [ "$(id -u)" = 0 ]; then HOME_BASE="${FILAMENT_OPENSEARCH_HOME_BASE:-/var/cache/filament}"; else HOME_BASE="$CACHE"; fi
OS_HOME="$HOME_BASE/opensearch-$VERSION-security"

log() { echo "opensearch: $*" >&2; }
die() { echo "opensearch: $*" >&2; exit 1; }

apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* with apt-get"
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq "$@" >&2
}

java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}

prerequisites() {
  local missing=()
  # OpenSearch 2.19 runs on Java 11+ (17 and 21 are what it is tested with).
  if [ "$(java_major)" -lt 11 ]; then missing+=(openjdk-17-jre-headless); fi
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

java_home() { dirname "$(dirname "$(readlink -f "$(command -v java)")")"; }

artifact() { # groupId artifactId version → path of the zip in the local repository
  local group="$1" id="$2" version="$3"
  local path="$M2/${group//.//}/$id/$version/$id-$version.zip"
  if [ ! -s "$path" ]; then
    log "fetching $group:$id:$version:zip with mvn dependency:get"
    mvn -q -B -Dmaven.repo.local="$M2" dependency:get -Dtransitive=false \
      -Dartifact="$group:$id:$version:zip" >&2 || die "mvn could not fetch $group:$id:$version:zip"
  fi
  echo "$path"
}

install() {
  prerequisites
  if [ -f "$OS_HOME/.complete" ]; then echo "$OS_HOME"; return; fi
  # Parallel runs (several worktrees, CI) build the home once: the others wait here.
  mkdir -p "$HOME_BASE" "$CACHE"
  exec 9>"$HOME_BASE/.opensearch-install.lock"
  flock 9
  if [ -f "$OS_HOME/.complete" ]; then echo "$OS_HOME"; return; fi
  local dist security scheduler
  # The integ-test distribution is a full OpenSearch home without a bundled JDK.
  dist=$(artifact org.opensearch.distribution.integ-test-zip opensearch "$VERSION")
  # ISM (opensearch-index-management) is not published to Maven Central: it cannot run here.
  scheduler=$(artifact org.opensearch.plugin opensearch-job-scheduler "$PLUGIN_VERSION")
  security=$(artifact org.opensearch.plugin opensearch-security "$PLUGIN_VERSION")
  local tmp="$OS_HOME.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  unzip -q "$dist" -d "$tmp"
  mv "$tmp/opensearch-$VERSION" "$tmp/home"
  export OPENSEARCH_JAVA_HOME; OPENSEARCH_JAVA_HOME=$(java_home)
  "$tmp/home/bin/opensearch-plugin" install --batch "file://$scheduler" >/dev/null
  "$tmp/home/bin/opensearch-plugin" install --batch "file://$security" >/dev/null
  chmod -R a+rX "$tmp/home"
  rm -rf "$OS_HOME"; mv "$tmp/home" "$OS_HOME"; rmdir "$tmp"
  touch "$OS_HOME/.complete"
  echo "$OS_HOME"
}

certificates() { # DIR: a CA, the node's and the admin's certificates (PKCS#8 keys) for transport TLS,
  # and the HTTP certificate (SAN IP:127.0.0.1, DNS:localhost: what clients verify the https URL against)
  local dir="$1"; mkdir -p "$dir"
  (
    cd "$dir"
    umask 077 # private keys readable by the node's user alone; the CA certificate is made 0644 below
    openssl genrsa -out ca-key.pem 2048 2>/dev/null
    openssl req -new -x509 -sha256 -key ca-key.pem -subj "/O=filament/OU=test/CN=filament-test-ca" -days 2 -out root-ca.pem
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >http.ext
    for who in node admin http; do
      local ext=(); [ "$who" != http ] || ext=(-extfile http.ext)
      openssl genrsa -out "$who-key-rsa.pem" 2048 2>/dev/null
      openssl pkcs8 -inform PEM -outform PEM -in "$who-key-rsa.pem" -topk8 -nocrypt -v1 PBE-SHA1-3DES -out "$who-key.pem"
      openssl req -new -key "$who-key.pem" -subj "/O=filament/OU=test/CN=filament-opensearch-$who" -out "$who.csr"
      openssl x509 -req -in "$who.csr" -CA root-ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 2 "${ext[@]}" -out "$who.pem" 2>/dev/null
      rm -f "$who-key-rsa.pem" "$who.csr"
    done
    rm -f http.ext
    chmod 0644 root-ca.pem
  )
}

request() { # METHOD PATH [BODY] → HTTP status on stdout, body in $DIR/last-response
  local method="$1" path="$2" body="${3:-}"
  local args=(-s -o "$DIR/last-response" -w '%{http_code}' -X "$method" "$URL$path")
  [ -z "$CA" ] || args+=(--cacert "$CA")
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' -d "$body")
  # The admin's password in a curl config on a pipe (printf is a builtin), not on curl's command line (ps).
  curl -K <(printf 'user = "admin:%s"\n' "$OPENSEARCH_ADMIN_PASSWORD") "${args[@]}" 2>/dev/null || echo 000
}

wait_status() { # yellow|green, seconds
  local want="$1" seconds="$2"
  for _ in $(seq 1 $((seconds * 2))); do
    if [ "$(request GET "/_cluster/health?wait_for_status=$want&timeout=1s")" = 200 ] &&
       grep -q '"timed_out":false' "$DIR/last-response"; then return 0; fi
    if ! kill -0 "$(cat "$DIR/opensearch.pid" 2>/dev/null || echo 0)" 2>/dev/null && [ -f "$DIR/opensearch.pid" ]; then
      die "the node exited; see $DIR/logs/filament-test.log"
    fi
    sleep 0.5
  done
  die "not $want within $seconds s; see $DIR/logs/filament-test.log"
}

start() {
  DIR="${1:?usage: $0 start DIR}"
  : "${OPENSEARCH_HTTP_PORT:?set OPENSEARCH_HTTP_PORT}" "${OPENSEARCH_TRANSPORT_PORT:?set OPENSEARCH_TRANSPORT_PORT}"
  : "${OPENSEARCH_ADMIN_PASSWORD:?set OPENSEARCH_ADMIN_PASSWORD}"
  command -v curl >/dev/null 2>&1 || apt_install curl
  install >/dev/null
  local java; java=$(java_home)
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  local conf="$DIR/config"
  # OPENSEARCH_SECURITY=disabled switches the plugin off, its TLS with it: that node speaks plain HTTP.
  local security="${OPENSEARCH_SECURITY:-enabled}" http_tls=true
  if [ "$security" = disabled ]; then http_tls=false; URL="http://127.0.0.1:$OPENSEARCH_HTTP_PORT"; CA=""
  else URL="https://127.0.0.1:$OPENSEARCH_HTTP_PORT"; CA="$conf/certs/root-ca.pem"; fi
  rm -rf "$conf"; cp -r "$OS_HOME/config" "$conf"
  mkdir -p "$DIR/data" "$DIR/logs" "$DIR/tmp"
  certificates "$conf/certs"
  local hash
  # -env: the tool reads the password from the environment, not from its command line (ps).
  hash=$(OPENSEARCH_ADMIN_PASSWORD="$OPENSEARCH_ADMIN_PASSWORD" OPENSEARCH_JAVA_HOME="$java" bash "$OS_HOME/plugins/opensearch-security/tools/hash.sh" -env OPENSEARCH_ADMIN_PASSWORD | tail -1)
  # Only the admin user; everything else is what `filament setup` provisions.
  cat >"$conf/opensearch-security/internal_users.yml" <<EOF
_meta:
  type: "internalusers"
  config_version: 2
admin:
  hash: "$hash"
  reserved: true
  backend_roles: ["admin"]
  description: "test administrator (scripts/opensearch.sh)"
EOF
  cat >"$conf/opensearch.yml" <<EOF
cluster.name: filament-test
node.name: filament-test
network.host: 127.0.0.1
http.port: $OPENSEARCH_HTTP_PORT
transport.port: $OPENSEARCH_TRANSPORT_PORT
discovery.type: single-node
path.data: $DIR/data
path.logs: $DIR/logs
# A shared development disk may be fuller than the default watermarks: never refuse allocation for that.
cluster.routing.allocation.disk.threshold_enabled: false
# Transport TLS is mandatory with the security plugin; HTTP is TLS too (basic auth over it), with a
# certificate for 127.0.0.1/localhost signed by the same CA (clients pass DIR/config/certs/root-ca.pem).
plugins.security.ssl.transport.pemcert_filepath: certs/node.pem
plugins.security.ssl.transport.pemkey_filepath: certs/node-key.pem
plugins.security.ssl.transport.pemtrustedcas_filepath: certs/root-ca.pem
plugins.security.ssl.transport.enforce_hostname_verification: false
plugins.security.ssl.http.enabled: $http_tls
plugins.security.ssl.http.pemcert_filepath: certs/http.pem
plugins.security.ssl.http.pemkey_filepath: certs/http-key.pem
plugins.security.ssl.http.pemtrustedcas_filepath: certs/root-ca.pem
plugins.security.allow_default_init_securityindex: true
plugins.security.authcz.admin_dn: ["CN=filament-opensearch-admin,OU=test,O=filament"]
plugins.security.nodes_dn: ["CN=filament-opensearch-node,OU=test,O=filament"]
plugins.security.restapi.roles_enabled: ["all_access", "security_rest_api_access"]
plugins.security.audit.type: internal_opensearch
EOF
  # OPENSEARCH_SECURITY=disabled: the plugin stays installed but switched off — an engine without
  # security, as `filament setup` must refuse it. Requests then need no credentials.
  if [ "$security" = disabled ]; then echo "plugins.security.disabled: true" >>"$conf/opensearch.yml"; fi
  # jvm.options names gc.log, heap dumps and error files relative to the home (bin/opensearch cds there),
  # which the node's user cannot write: point them into DIR.
  sed -i -e "s#file=logs/gc.log#file=$DIR/logs/gc.log#" -e "s#HeapDumpPath=data#HeapDumpPath=$DIR/data#" \
    -e "s#ErrorFile=logs/#ErrorFile=$DIR/logs/#" "$conf/jvm.options"
  # No hsperfdata files in /tmp: nothing of the node outlives DIR.
  printf -- '-Xms%s\n-Xmx%s\n-XX:-UsePerfData\n' "${OPENSEARCH_HEAP:-512m}" "${OPENSEARCH_HEAP:-512m}" >"$conf/jvm.options.d/filament.options"
  local as_user=()
  if [ "$(id -u)" = 0 ]; then
    id -u "$NODE_USER" >/dev/null 2>&1 ||
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$NODE_USER"
    chown -R "$NODE_USER:" "$DIR"
    as_user=(runuser -u "$NODE_USER" --)
  fi
  log "starting on $URL (home $OS_HOME, node dir $DIR)"
  (cd "$DIR" && "${as_user[@]}" env OPENSEARCH_JAVA_HOME="$java" OPENSEARCH_PATH_CONF="$conf" OPENSEARCH_TMPDIR="$DIR/tmp" \
    "$OS_HOME/bin/opensearch" -d -p "$DIR/opensearch.pid" >"$DIR/stdout.log" 2>&1) ||
    die "bin/opensearch failed; see $DIR/stdout.log and $DIR/logs/"
  wait_status yellow 120
  # cluster.default_number_of_replicas in opensearch.yml is ignored on 2.19.1: one node → no replicas,
  # for the indices that exist now (security, audit) and those created later.
  request PUT /_cluster/settings '{"persistent":{"cluster.default_number_of_replicas":0}}' >/dev/null
  request PUT '/security-auditlog-*/_settings' '{"index":{"number_of_replicas":0}}' >/dev/null
  wait_status green 60
  log "green on $URL"
  [ -z "$CA" ] || echo "ca=$CA"
  echo "url=$URL"
}

stop() {
  DIR="${1:?usage: $0 stop DIR}"
  local pid
  if [ -f "$DIR/opensearch.pid" ]; then
    pid=$(cat "$DIR/opensearch.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  rm -rf "$DIR"
  # The launcher's short-lived JVMs leave an empty perf-data directory behind (removed only if empty).
  rmdir "${TMPDIR:-/tmp}/hsperfdata_$NODE_USER" 2>/dev/null || true
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start DIR | stop DIR" >&2; exit 2 ;;
esac
