#!/bin/sh
# Golden end-to-end tests: run the real apsim command line and compare its output with
# committed expected files (tests/golden/*.expected). Prints "N passed, N failed".
# Each case is a function; add one per shipped behaviour.
set -u
APSIM=${APSIM:-build/debug/apsim}
export LC_ALL=C
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "golden: FAIL: $1"; }

# expect_exit CODE NAME CMD...: the command exits with CODE.
expect_exit() {
    code=$1; name=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -eq "$code" ]; then ok; else bad "$name: exit $got, want $code"; cat "$tmp/err"; fi
}

# expect_same NAME GOT EXPECTED: the file equals the committed expected file. With
# GOLDEN_UPDATE=1 the expected file is rewritten instead (after a deliberate model change:
# review the diff before committing it).
expect_same() {
    if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then cp "$2" "$3"; ok; return; fi
    if cmp -s "$2" "$3"; then ok; else bad "$1: differs from $3"; diff "$3" "$2" | head -5; fi
}

expect_exit 2 "unknown command" "$APSIM" frobnicate
expect_exit 0 "help" "$APSIM" help

for case_script in tests/golden/case_*.sh; do
    [ -e "$case_script" ] || continue
    . "$case_script"
done

echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
