#!/usr/bin/env bash
# Runs the node:test suites. "unit" = everything but test/interop; "interop" = the
# real-gateway suites (root + network namespaces); "all" = both, unit first.
# The interop suites need root: run by a normal user who has sudo, they go through sudo (the
# unit suites stay with the user); without root or sudo they skip, loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
unit=$(find test \( -name '*.test.ts' -o -name '*.test.tsx' \) -not -path 'test/interop/*' | sort)
interop=$(find test/interop -name '*.test.ts' 2>/dev/null | sort)
case "$which" in
  unit) interop='' ;;
  interop) unit='' ;;
  all) ;;
  *) echo "usage: run-tests.sh unit|interop|all" >&2; exit 2 ;;
esac
# Interop suites share namespaces and one gateway: run files one at a time.
tests=(node --import tsx --test --test-concurrency=1 --test-reporter=spec)
if [ -z "$interop" ] || [ "$(id -u)" = 0 ] || ! command -v sudo >/dev/null; then
  # shellcheck disable=SC2086 # one word per file
  exec "${tests[@]}" $unit $interop
fi
echo "the interop suites need root (network namespaces, TUN): they run through sudo" >&2
sudo -v
status=0
# shellcheck disable=SC2086
[ -z "$unit" ] || "${tests[@]}" $unit || status=$?
# shellcheck disable=SC2086
sudo -- env "PATH=$PATH" "${tests[@]}" $interop || status=$?
exit "$status"
