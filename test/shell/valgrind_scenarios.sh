#!/usr/bin/env bash
# The whole scenario library under valgrind: no leak, no invalid access, on any step.
# Usage: valgrind_scenarios.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
if ! command -v valgrind >/dev/null; then
  echo "valgrind is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Exit 9 is valgrind's own verdict; 0/1 are the runner's (expectations met or not) and both must be
# leak-free, so only 9 fails here - the scenario.* tests judge the expectations.
status=0
valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
  --error-exitcode=9 "$build/kssim" run "$source/scenarios" >/dev/null 2>"$log" || status=$?
if [ "$status" -eq 9 ]; then
  cat "$log" >&2
  echo "valgrind found errors or leaks in the scenario library" >&2
  exit 1
fi
echo "valgrind: scenario library clean (runner exit $status)"
