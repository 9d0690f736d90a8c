#!/usr/bin/env bash
# Run by the one-shot `setup` and `setup-dashboards` services of collector/docker-compose.yml (node
# image, this repository mounted read-only at /repo): builds a throw-away copy,
# runs `filament setup` against Elasticsearch as the admin user (roles
# `support` and `filament_writer`, users `filament_writer` and `support`), then
# sets the password of Kibana's built-in kibana_system user, which has none
# until someone sets it. With FILAMENT_DASHBOARDS_URL set (setup-dashboards,
# once Kibana is up) `filament setup` imports the dashboards too. Idempotent: a second `make up` runs it again safely.
# Both over https: FILAMENT_SETUP_CA_CERT (the stack's CA) is what `filament setup` and the curl below verify.
set -euo pipefail
: "${ELASTICSEARCH_URL:?}" "${FILAMENT_SETUP_USERNAME:?}" "${FILAMENT_SETUP_PASSWORD:?}" "${KIBANA_PASSWORD:?}" "${FILAMENT_SETUP_CA_CERT:?}"
mkdir -p /build
tar -C /repo --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./demo-output -cf - . | tar -C /build -xf -
cd /build
npm ci --no-audit --no-fund
npm run -s build
# Elasticsearch's free (basic) licence has no audit logging, and setup refuses
# an incomplete provisioning unless the missing step is skipped by name: the
# stack skips `audit` by default. On a Gold+ licence (or a trial) with
# xpack.security.audit.enabled set, run `FILAMENT_SETUP_SKIP= make up`
# to provision the audit trail too (docs/setup.md).
skip="${FILAMENT_SETUP_SKIP-audit}"
node dist/cli.js setup --engine elasticsearch --url "$ELASTICSEARCH_URL" ${skip:+--skip "$skip"}
# The JSON body is built by node, so no password character can break it. The admin's credentials go
# to curl in a config file (-K, a pipe printf — a shell builtin — writes), never on a command line
# another process could read; `"` and `\` escaped as curl's config syntax wants.
admin="$FILAMENT_SETUP_USERNAME:$FILAMENT_SETUP_PASSWORD"
admin="${admin//\\/\\\\}"; admin="${admin//\"/\\\"}"
node -e 'process.stdout.write(JSON.stringify({ password: process.env.KIBANA_PASSWORD }))' |
  curl -fsS --cacert "$FILAMENT_SETUP_CA_CERT" -K <(printf 'user = "%s"\n' "$admin") -H 'content-type: application/json' \
    -X POST "$ELASTICSEARCH_URL/_security/user/kibana_system/_password" --data-binary @- >/dev/null
echo "setup: roles and users created, kibana_system password set"
