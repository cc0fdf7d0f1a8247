#!/usr/bin/env bash
# The demo: system packages if missing, then a throwaway head-end and a connected client.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces, TUN): sudo npm run demo" >&2; exit 1; }
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci
exec node --import tsx scripts/demo.ts
