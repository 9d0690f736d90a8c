#!/usr/bin/env bash
# Builds otelcol-filament from collector/builder-config.yaml with the
# OpenTelemetry Collector Builder (ocb). Cached outside the repository in
# $FILAMENT_CACHE (default ~/.cache/filament), keyed by the manifest, the
# builder version and the Go version: a rebuild happens only when one changes.
# The LAST line of stdout is the binary's absolute path (scripts rely on it).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDER_VERSION=v0.161.0
CACHE="${FILAMENT_CACHE:-$HOME/.cache/filament}"
MANIFEST=collector/builder-config.yaml
# The machine's own Go builds it; never download another toolchain.
export GOTOOLCHAIN=local

command -v go >/dev/null 2>&1 || { echo "collector: Go is required (go1.24 or newer)" >&2; exit 1; }
GO_VERSION=$(go env GOVERSION)
KEY=$( (cat "$MANIFEST"; echo "$BUILDER_VERSION $GO_VERSION") | sha256sum | cut -c1-12)
OUT="$CACHE/otelcol-filament-$KEY"
BIN="$OUT/otelcol-filament"

if [ -x "$BIN" ]; then
  echo "collector: cached build $KEY" >&2
  echo "$BIN"
  exit 0
fi

mkdir -p "$CACHE/bin" "$OUT"
BUILDER="$CACHE/bin/builder-$BUILDER_VERSION"
if [ ! -x "$BUILDER" ]; then
  echo "collector: installing ocb $BUILDER_VERSION" >&2
  tmp=$(mktemp -d)
  GOBIN="$tmp" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" >&2
  mv "$tmp/builder" "$BUILDER"
  rmdir "$tmp"
fi

echo "collector: building otelcol-filament ($KEY) with $GO_VERSION — first build takes a few minutes" >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Same manifest, output into the cache.
sed "s|^  output_path: .*|  output_path: $work/build|" "$MANIFEST" > "$work/builder-config.yaml"
start=$(date +%s)
"$BUILDER" --config="$work/builder-config.yaml" >&2
cp "$work/build/otelcol-filament" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
echo "collector: built in $(( $(date +%s) - start )) s, $(du -h "$BIN" | cut -f1)" >&2
echo "$BIN"
