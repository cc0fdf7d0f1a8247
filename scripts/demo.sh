#!/usr/bin/env bash
# `npm run demo [-- --cli]`: system packages if missing, then scripts/demo.ts (a throwaway
# head-end and Roadwarrior connected to it). Namespaces and TUN need root: root runs it as it
# is (a fresh Debian has no sudo); anyone else re-runs it through sudo, with their PATH, so the
# node that npm found is the node that runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "the demo needs root (network namespaces, TUN) and sudo is not installed: run it as root" >&2
    exit 1
  fi
  exec sudo -- env "PATH=$PATH" bash scripts/demo.sh "$@"
fi
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci
exec node --import tsx scripts/demo.ts "$@"
