# case_dynamic.sh - golden cases for `apsim dynamic` (sourced by tests/golden/run.sh, which
# defines $APSIM, $tmp, ok, bad and expect_exit). requests.csv is printed in the C locale with
# fixed precision (6 significant digits in exponent form) and compared exactly (tolerance 0).

expect_exit 0 "dynamic small schedule" \
    "$APSIM" dynamic tests/golden/dynamic_small.yaml --out "$tmp/dyn" --quiet
if cmp -s "$tmp/dyn/requests.csv" tests/golden/dynamic_small_requests.csv.expected; then ok; else
    bad "dynamic requests.csv differs from tests/golden/dynamic_small_requests.csv.expected"
    diff tests/golden/dynamic_small_requests.csv.expected "$tmp/dyn/requests.csv" | head -5
fi
for f in summary.csv summary.json family.csv static.csv plots.list; do
    if [ -s "$tmp/dyn/$f" ]; then ok; else bad "dynamic: $f missing"; fi
done

# Every shipped schedule runs.
for sched in experiments/dynamic/*.yaml; do
    expect_exit 0 "dynamic $sched" "$APSIM" dynamic "$sched" --quiet
done

expect_exit 0 "dynamic help" "$APSIM" dynamic --help
expect_exit 2 "dynamic without a schedule" "$APSIM" dynamic
expect_exit 2 "dynamic unknown option" "$APSIM" dynamic tests/golden/dynamic_small.yaml --frob
expect_exit 2 "dynamic missing file" "$APSIM" dynamic "$tmp/none.yaml"

# A typo in a request: exit 2, file:line:col on stderr, no output directory written.
sed 's/{budget_mj: 45}/{budget_mJ: 45}/' tests/golden/dynamic_small.yaml >"$tmp/dyn_bad.yaml"
expect_exit 2 "dynamic unknown key" "$APSIM" dynamic "$tmp/dyn_bad.yaml" --out "$tmp/dyn_bad"
if grep -q "dyn_bad.yaml:16:6: error: unknown key 'budget_mJ' in 'requests'" "$tmp/err"; then ok
else bad "dynamic unknown key: message"; cat "$tmp/err"; fi
if [ -e "$tmp/dyn_bad" ]; then bad "dynamic unknown key: output written"; else ok; fi
