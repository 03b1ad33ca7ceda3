#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, builds, runs every
# test project, and ends with one summary line read from the test results:
#   N passed, N failed, N skipped
set -uo pipefail
cd "$(dirname "$0")/.."

bash tests/setup.sh || { echo "tests/setup.sh failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# A test that hangs is killed (and reported) instead of stalling the run.
dotnet test chat-tool.sln \
  --logger "trx" \
  --logger "console;verbosity=normal" \
  --results-directory "$results" \
  --blame-hang-timeout 5m
status=$?

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { printf '%s' "$counters" | sed -n "s/.* $1=\"\\([0-9]*\\)\".*/\\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

# Name the failed tests again here, so they are seen beside the summary.
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" \
    | sed -n 's/.*testName="\([^"]*\)".*/FAILED: \1/p'
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the test host failed without a failed test to show for it.
  failed=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
