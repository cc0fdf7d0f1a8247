#!/usr/bin/env bash
# Runs the node:test suites. "unit" = everything but test/interop; "interop" = the
# real-gateway suites (root + network namespaces); "all" = both, unit first.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
case "$which" in
  unit) files=$(find test \( -name '*.test.ts' -o -name '*.test.tsx' \) -not -path 'test/interop/*' | sort) ;;
  interop) files=$(find test/interop -name '*.test.ts' | sort) ;;
  all) files="$(find test \( -name '*.test.ts' -o -name '*.test.tsx' \) -not -path 'test/interop/*' | sort) $(find test/interop -name '*.test.ts' 2>/dev/null | sort)" ;;
  *) echo "usage: run-tests.sh unit|interop|all" >&2; exit 2 ;;
esac
# Interop suites share namespaces and one gateway: run files one at a time.
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
