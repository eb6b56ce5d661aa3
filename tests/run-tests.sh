#!/usr/bin/env bash
# Runs every test project of the solution (already built) and ends with the totals on a line of their own:
# "N passed, N failed, N skipped". Exits non-zero when a test failed or none ran. One test project at
# a time (-m:1): on two cores, the harness tests' inactivity timeouts should not compete with the real path
# (the long outage tests, beside them, are idle while they wait).
set -uo pipefail
configuration=${1:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)

cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Tests with the trait Outage=long spend minutes waiting for an outage to end: they run beside the rest, in a test
# process of their own, so the suite takes no longer for them; their output follows the rest's.
long_log=$(mktemp)
trap 'rm -f "$log" "$long_log"' EXIT
dotnet test tests/FlopsBus.IntegrationTests -c "$configuration" --no-build --filter "Outage=long" >"$long_log" 2>&1 &
long_pid=$!
dotnet test FlopsBus.sln -c "$configuration" --no-build -m:1 --filter "Outage!=long" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
wait "$long_pid" || status=1
echo "---- tests with the trait Outage=long"
tee -a "$log" <"$long_log"

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 51, Skipped: 0, Total: 51, ..."
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- Failed: ' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -cE '(Passed|Failed)! +- Failed: ' "$log")
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$assemblies" -lt 2 ]; then
  exit 1
fi
