#!/usr/bin/env bash
# Prints collector/.env for docker compose: a random password per account
# (make up writes it once; it is git-ignored). Alphanumeric, 32 characters.
set -euo pipefail
pw() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32; }
echo "# written by scripts/compose-env.sh — keep private"
echo "ELASTIC_PASSWORD=$(pw)"
echo "KIBANA_PASSWORD=$(pw)"
echo "FILAMENT_WRITER_PASSWORD=$(pw)"
echo "FILAMENT_SUPPORT_PASSWORD=$(pw)"
echo "RABBITMQ_PASSWORD=$(pw)"
# The alerts' runbook links (runbook_url) open this checkout's docs; point it at your wiki or docs site.
echo "FILAMENT_RUNBOOK_BASE=file://$(cd "$(dirname "$0")/.." && pwd)/docs"
