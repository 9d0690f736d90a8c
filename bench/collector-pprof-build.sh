#!/usr/bin/env bash
# A private otelcol-filament WITH the pprof extension, for `PPROF=<dir> node bench/collector.mjs`
# (a CPU profile of every measured phase). Not the shipped build: collector/builder-config.yaml stays
# without it (a change there rebuilds the collector on every CI machine). Same manifest plus
# contrib's extension/pprofextension at the manifest's contrib version, built by the same ocb as
# scripts/collector-build.sh, cached beside it. The LAST line of stdout is the binary's path:
#   FILAMENT_OTELCOL_BIN=$(bash bench/collector-pprof-build.sh | tail -1) PPROF=/tmp/prof node bench/collector.mjs
#   go tool pprof -top -cum <binary> /tmp/prof/<phase>.pb.gz
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
bash scripts/collector-build.sh >/dev/null # installs ocb into the cache if needed
CACHE="${FILAMENT_CACHE:-$HOME/.cache/filament}"
BUILDER="$CACHE/bin/builder-v0.161.0"
MANIFEST=collector/builder-config.yaml
CONTRIB=$(grep -o 'opentelemetry-collector-contrib/processor/transformprocessor v[0-9.]*' "$MANIFEST" | awk '{print $2}')
KEY=$( (cat "$MANIFEST" "$0"; go env GOVERSION) | sha256sum | cut -c1-12)
OUT="$CACHE/otelcol-filament-pprof-$KEY"
if [ ! -x "$OUT/otelcol-filament" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  sed -e "s|^  output_path: .*|  output_path: $work/build|" "$MANIFEST" \
    | sed "/bearertokenauthextension/a\\  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/extension/pprofextension $CONTRIB" \
    > "$work/builder-config.yaml"
  echo "collector-pprof: building with pprofextension $CONTRIB" >&2
  "$BUILDER" --config="$work/builder-config.yaml" >&2
  mkdir -p "$OUT"
  cp "$work/build/otelcol-filament" "$OUT/otelcol-filament"
fi
echo "$OUT/otelcol-filament"
