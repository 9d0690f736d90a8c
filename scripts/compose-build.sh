#!/usr/bin/env bash
# Run by the one-shot `responder-build` service of collector/docker-compose.yml (node image, this
# repository read-only at /repo): builds it into DEST (the `filament-build` volume), from which the
# `responder` service runs dist/responder.js read-only. Like scripts/compose-setup.sh's build.
set -euo pipefail
dest="${1:?usage: compose-build.sh DEST}"
mkdir -p "$dest"
tar -C /repo --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./demo-output \
  --exclude=./collector/secrets --exclude=./collector/.env -cf - . | tar -C "$dest" -xf -
cd "$dest"
npm ci --no-audit --no-fund
npm run -s build
# Readable by the responder's user (10004), writable by no one but root.
chmod -R a+rX,go-w "$dest"
echo "responder-build: built $(node -p 'require("./package.json").version') into $dest"
