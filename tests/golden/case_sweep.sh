# case_sweep.sh - golden cases for `apsim sweep` and `apsim compare` (sourced by
# tests/golden/run.sh, which defines $APSIM, $tmp, ok, bad and expect_exit). Numbers are
# compared with tests/golden/csv_close.awk at a relative tolerance of 1e-6 (outputs print 4 to
# 7 significant digits; the tolerance absorbs libm differences between machines), text exactly.
# expect_close NAME GOT EXPECTED [FS] is defined in case_dynamic.sh (sourced first).
command -v expect_close >/dev/null 2>&1 || { echo "case_sweep.sh: needs case_dynamic.sh"; exit 1; }

# The small shipped experiment: points.csv and front.csv against the committed files.
expect_exit 0 "sweep golden_small" \
    "$APSIM" sweep tests/golden/golden_small.yaml --out "$tmp/res/golden_small" --quiet
expect_close "sweep golden_small points.csv" "$tmp/res/golden_small/points.csv" \
    tests/golden/sweep_golden_small_points.csv.expected
expect_close "sweep golden_small front.csv" "$tmp/res/golden_small/front.csv" \
    tests/golden/sweep_golden_small_front.csv.expected
for f in summary.json plots.list layers.csv; do
    if [ -s "$tmp/res/golden_small/$f" ]; then ok; else bad "sweep golden_small: no $f"; fi
done
if [ -e "$tmp/res/golden_small/.journal.csv" ]; then bad "sweep: journal left behind"; else ok; fi

# Stopping and resuming (the journal) is tested in tests/check_sweep.c through the progress
# callback of study_sweep_run.

# A bad experiment: exit 2, file:line:col, and no results directory at all.
printf 'name: badexp\nnetworks: [resnet18]\nbits: [int8]\ntechnologies: [sram, tungsten]\n' \
    >"$tmp/badexp.yaml"
expect_exit 2 "sweep unknown technology" "$APSIM" sweep "$tmp/badexp.yaml" --out "$tmp/res3"
if grep -q "badexp.yaml:4:22: error: unknown technology 'tungsten'" "$tmp/err"; then ok; else
    bad "sweep unknown technology: message"; cat "$tmp/err"; fi
if [ -e "$tmp/res3" ]; then bad "sweep unknown technology: results directory created"; else ok; fi
printf 'name: badexp\nnetworks: [resnet18]\nbits: []\ntechnologies: [sram]\n' >"$tmp/badexp.yaml"
expect_exit 2 "sweep empty bits" "$APSIM" sweep "$tmp/badexp.yaml" --out "$tmp/res3"
if grep -q "badexp.yaml:3:7: error: 'bits' is empty" "$tmp/err"; then ok; else
    bad "sweep empty bits: message"; cat "$tmp/err"; fi
if [ -e "$tmp/res3" ]; then bad "sweep empty bits: results directory created"; else ok; fi
expect_exit 2 "sweep missing file" "$APSIM" sweep "$tmp/nosuch.yaml" --out "$tmp/res3"
expect_exit 2 "sweep without a file" "$APSIM" sweep
expect_exit 2 "sweep empty --out" "$APSIM" sweep tests/golden/golden_small.yaml --out ""
if grep -q "error: -o/--out needs a directory" "$tmp/err"; then ok; else
    bad "sweep empty --out: message"; cat "$tmp/err"; fi
expect_exit 2 "sweep --results is gone" "$APSIM" sweep tests/golden/golden_small.yaml --results "$tmp/r"
if grep -q "unknown option '--results': the output is -o/--out now" "$tmp/err"; then ok; else
    bad "sweep --results: message"; cat "$tmp/err"; fi
# layers_for on a point that cannot run: a warning on stderr, no layers.csv.
printf 'name: lnofit\nnetworks: [resnet18]\nbits: [int12, int8]\ntechnologies: [sram]\naccelerators: [ap]\nlayers_for: {bits: int12}\n' \
    >"$tmp/lnofit.yaml"
expect_exit 0 "sweep layers_for no-fit" "$APSIM" sweep "$tmp/lnofit.yaml" --out "$tmp/res5" --quiet
if grep -q "warning: the layers_for point is no-fit: no layers.csv" "$tmp/err"; then ok; else
    bad "sweep layers_for no-fit: warning"; cat "$tmp/err"; fi
expect_exit 0 "sweep help" "$APSIM" sweep --help

# compare: the AP and the four rivals, one table and a CSV with ratios to the AP.
expect_exit 0 "compare resnet18 int4" \
    "$APSIM" compare resnet18 --bits int4 --out "$tmp/cmp.csv"
expect_close "compare resnet18 int4 csv" "$tmp/cmp.csv" tests/golden/compare_resnet18_int4.csv.expected
if grep -q "^  accel    scope    path .*latency_ms .*energy_mj .*edp_js .*lat/AP .*energy/AP .*EDP/AP" \
    "$tmp/out" && grep -q "GEMM" "$tmp/out"; then ok; else bad "compare: table columns"; cat "$tmp/out"; fi
# The basis: a stated line on the AP technology's node and supply; --native keeps the rivals'
# own-platform figures, the same numbers as before the basis existed.
if grep -q "^basis: 28 nm at 0.900 V (the AP technology's node and supply)" "$tmp/out" &&
    grep -q "potacc   PYNQ-Z2 Zynq-7020 FPGA: fpga 28 nm 1.00 V / Kuon-Rose gap" "$tmp/out"; then ok
else bad "compare: basis line"; cat "$tmp/out"; fi
expect_exit 0 "compare resnet18 int4 --native" \
    "$APSIM" compare resnet18 --bits int4 --native --out "$tmp/cmpn.csv"
cut -d, -f1-16 "$tmp/cmpn.csv" >"$tmp/cmpn16.csv"
expect_close "compare --native csv" "$tmp/cmpn16.csv" \
    tests/golden/compare_resnet18_int4_native.csv.expected
if grep -q "^basis: native (--native)" "$tmp/out" &&
    grep -q ",native,28,1.000,PYNQ-Z2 Zynq-7020 FPGA,1.000000e+00,1.000000e+00,native: fpga 28 nm" \
        "$tmp/cmpn.csv"; then ok; else bad "compare --native: basis"; cat "$tmp/out"; fi
# A --native that is an option's value stays the value (here: an unknown technology).
expect_exit 2 "compare --tech --native" "$APSIM" compare resnet18 --tech --native
expect_exit 0 "compare w10a4 (bitsys unsupported)" \
    "$APSIM" compare alexnet --bits w10a4 --out "$tmp/cmp12.csv"
if grep -q "^alexnet,w10a4,W10A4,bitsys,conv/fc,,,1,unsupported," "$tmp/cmp12.csv"; then ok; else
    bad "compare: unsupported row"; cat "$tmp/cmp12.csv"; fi
expect_exit 2 "compare unknown network" "$APSIM" compare resnet19
expect_exit 2 "compare bad vdd" "$APSIM" compare resnet18 --tech reram --vdd 0.5 --out "$tmp/cmp_bad.csv"
if [ -e "$tmp/cmp_bad.csv" ]; then bad "compare bad vdd: CSV written"; else ok; fi
