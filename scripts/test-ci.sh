#!/usr/bin/env bash
# The whole test suite, as CI runs it: every jest project against the real PostgreSQL and Redis, then one summary line
# "N passed, N failed" built from jest's --json results (not from jest's own console summary).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
out=var/jest-results.json
rm -f "$out"
# Debian tools the suites drive (xmllint, poppler, zbar, dmtx, slapd); the suites start their own throw-away services.
bash scripts/services/test-tools.sh
npx jest --ci --json --outputFile="$out" "$@"
status=$?
if [ -s "$out" ]; then
  node -e '
    const r = require(process.argv[1]);
    const failed = r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    console.log(`${r.numPassedTests} passed, ${failed} failed`);
  ' "$PWD/$out"
else
  echo "0 passed, 1 failed"
  [ $status -eq 0 ] && status=1
fi
exit $status
