# case_dynamic.sh - golden cases for `apsim dynamic` (sourced by tests/golden/run.sh, which
# defines $APSIM, $tmp, ok, bad and expect_exit). Every output is compared with its committed
# expected file by tests/golden/csv_close.awk: numbers within a relative tolerance of 1e-6
# (the CSVs print 6-7 significant digits; the tolerance absorbs libm differences between
# machines), text exactly. summary.json is split on its punctuation the same way.

# expect_close NAME GOT EXPECTED [FS]: equal within the tolerance (fields split on FS, default
# a comma). case_sweep.sh, sourced after this file, defines the same function.
expect_close() {
    if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then cp "$2" "$3"; ok; return; fi
    if awk -F"${4:-,}" -v tol=1e-6 -f tests/golden/csv_close.awk "$3" "$2" >"$tmp/close" 2>&1
    then ok; else bad "$1: differs from $3"; head -5 "$tmp/close"; fi
}

expect_exit 0 "dynamic small schedule" \
    "$APSIM" dynamic tests/golden/dynamic_small.yaml --out "$tmp/dyn" --quiet
for f in requests.csv summary.csv family.csv static.csv; do
    expect_close "dynamic $f" "$tmp/dyn/$f" "tests/golden/dynamic_small_$f.expected"
done
expect_close "dynamic summary.json" "$tmp/dyn/summary.json" \
    tests/golden/dynamic_small_summary.json.expected '[][{}:, ]+'
if [ -s "$tmp/dyn/plots.list" ]; then ok; else bad "dynamic: plots.list missing"; fi

# Every shipped schedule runs.
for sched in experiments/dynamic/*.yaml; do
    expect_exit 0 "dynamic $sched" "$APSIM" dynamic "$sched" --quiet \
        --out "$tmp/dyn_$(basename "$sched" .yaml)"
done

expect_exit 0 "dynamic help" "$APSIM" dynamic --help
expect_exit 2 "dynamic -o -" "$APSIM" dynamic tests/golden/dynamic_small.yaml -o -
if grep -q "apsim dynamic: error: -o/--out names a directory here" "$tmp/err"; then ok; else
    bad "dynamic -o -: message"; cat "$tmp/err"; fi

# Without -o the outputs go to results/<schedule name> (run in a scratch directory).
dyn_root=$(pwd)
case $APSIM in /*) dyn_apsim=$APSIM ;; *) dyn_apsim=$dyn_root/$APSIM ;; esac
mkdir -p "$tmp/dyn_cwd"
if (cd "$tmp/dyn_cwd" && APSIM_DATA="$dyn_root" "$dyn_apsim" dynamic \
    "$dyn_root/tests/golden/dynamic_small.yaml" --quiet) && \
    [ -s "$tmp/dyn_cwd/results/golden_small/summary.csv" ]; then ok; else
    bad "dynamic: default output directory"; ls -R "$tmp/dyn_cwd" | head; fi
expect_exit 2 "dynamic without a schedule" "$APSIM" dynamic
expect_exit 2 "dynamic unknown option" "$APSIM" dynamic tests/golden/dynamic_small.yaml --frob
expect_exit 2 "dynamic missing file" "$APSIM" dynamic "$tmp/none.yaml"

# A typo in a request: exit 2, file:line:col on stderr, no output directory written.
sed 's/{budget_mj: 45}/{budget_mJ: 45}/' tests/golden/dynamic_small.yaml >"$tmp/dyn_bad.yaml"
expect_exit 2 "dynamic unknown key" "$APSIM" dynamic "$tmp/dyn_bad.yaml" --out "$tmp/dyn_bad"
if grep -q "dyn_bad.yaml:16:6: error: unknown key 'budget_mJ' in 'requests'" "$tmp/err"; then ok
else bad "dynamic unknown key: message"; cat "$tmp/err"; fi
if [ -e "$tmp/dyn_bad" ]; then bad "dynamic unknown key: output written"; else ok; fi
