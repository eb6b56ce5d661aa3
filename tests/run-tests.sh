#!/usr/bin/env bash
# Runs every test project of the solution (already built) and ends with the totals on a line of their own:
# "N passed, N failed, N skipped". Exits non-zero when a test failed or none ran. One test project at
# a time (-m:1): on two cores, the harness tests' inactivity timeouts should not compete with the real path.
set -uo pipefail
configuration=${1:-Release}
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

cd "$root"
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet test FlopsBus.sln -c "$configuration" --no-build -m:1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One summary line per test assembly: "Passed!  - Failed: 0, Passed: 51, Skipped: 0, Total: 51, ..."
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- Failed: ' "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -cE '(Passed|Failed)! +- Failed: ' "$log")
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$assemblies" -lt 2 ]; then
  exit 1
fi
