# case_paths.sh - apsim run from another directory (sourced by tests/golden/run.sh): shipped
# names come from the data directory next to the binary, and paths inside an experiment are
# taken relative to the experiment's own directory (docs/EXPERIMENTS.md, "Paths").
# expect_close is defined in case_dynamic.sh (sourced first).
src=$(pwd)
apsim_abs=$(cd "$(dirname "$APSIM")" && pwd)/$(basename "$APSIM")

# The shipped golden experiment swept from /: the same points as from the source root.
expect_exit 0 "paths: sweep from /" \
    sh -c "cd / && APSIM_DATA= '$apsim_abs' sweep '$src/tests/golden/golden_small.yaml' \
        --out '$tmp/paths_r/golden_small' --quiet"
expect_close "paths: sweep from / points.csv" "$tmp/paths_r/golden_small/points.csv" \
    tests/golden/sweep_golden_small_points.csv.expected
# The shipped experiments with relative paths (bit configurations, a glob, a published table).
for exp in resnet18_hawq efficiency; do
    expect_exit 0 "paths: $exp from /" sh -c "cd / && '$apsim_abs' sweep \
        '$src/experiments/$exp.yaml' --out '$tmp/paths_r/$exp' --quiet"
done
expect_exit 0 "paths: dynamic schedule from /" sh -c "cd / && '$apsim_abs' dynamic \
    '$src/experiments/dynamic/resnet18_budget.yaml' --out '$tmp/paths_dyn' --quiet"

# An experiment of our own in a temporary folder: a bit configuration in a subfolder and a
# network file beside it, both written relative to the experiment, run from /.
mkdir -p "$tmp/near/cfgs"
cp networks/hawq_v3/resnet18_uniform4.yaml "$tmp/near/cfgs/mine.yaml"
cp networks/resnet18.yaml "$tmp/near/net.yaml"
printf 'name: near\nnetworks: [net.yaml]\nbits: [cfgs/mine.yaml, int8]\ntechnologies: [sram]\naccelerators: [ap]\n' \
    >"$tmp/near/exp.yaml"
expect_exit 0 "paths: relative paths next to the experiment" \
    sh -c "cd / && '$apsim_abs' sweep '$tmp/near/exp.yaml' --out '$tmp/near/r/near' --quiet"
if [ "$(wc -l <"$tmp/near/r/near/points.csv")" -eq 3 ]; then ok; else
    bad "paths: relative paths: want 2 points"; cat "$tmp/near/r/near/points.csv"; fi
# A missing file: reported at the experiment's line and column, exit 2.
printf 'name: near\nnetworks: [resnet18]\nbits: [cfgs/gone.yaml]\ntechnologies: [sram]\n' \
    >"$tmp/near/exp.yaml"
expect_exit 2 "paths: missing relative file" \
    sh -c "cd / && '$apsim_abs' sweep '$tmp/near/exp.yaml' --out '$tmp/near/r2'"
if grep -q "$tmp/near/exp.yaml:3:8: error: $tmp/near/cfgs/gone.yaml: bit configuration file: no such file" \
    "$tmp/err"; then ok; else
    bad "paths: missing relative file: message"; cat "$tmp/err"; fi
