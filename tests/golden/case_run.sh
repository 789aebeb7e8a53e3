# case_run.sh - golden cases for `apsim run` (sourced by tests/golden/run.sh). Outputs are
# printed in the C locale with fixed precision and compared exactly (tolerance 0): the
# model is deterministic arithmetic on integer counts.

expect_exit 0 "run resnet18 int4 fefet 0.8 V" \
    "$APSIM" run resnet18 --bits int4 --tech fefet --vdd 0.8 --out "$tmp/run_r18" --quiet
expect_same "run resnet18 int4 summary" "$tmp/run_r18/summary.csv" \
    tests/golden/run_resnet18_int4_fefet.summary.csv.expected
expect_same "run resnet18 int4 layers" "$tmp/run_r18/layers.csv" \
    tests/golden/run_resnet18_int4_fefet.layers.csv.expected
if grep -q '"edp_js"' "$tmp/run_r18/summary.json"; then ok; else bad "run: summary.json"; fi

expect_exit 0 "run help" "$APSIM" run --help
expect_exit 2 "run without a network" "$APSIM" run
expect_exit 2 "run unknown technology" "$APSIM" run alexnet --tech tcam9
expect_exit 2 "run unknown architecture" "$APSIM" run alexnet --arch nowhere
expect_exit 2 "run bad batch" "$APSIM" run alexnet --batch 2.5

# Vdd outside the technology's range: exit 2, a message naming the range, nothing written.
expect_exit 2 "run vdd below range" "$APSIM" run alexnet --tech reram --vdd 0.5 --out "$tmp/run_bad"
if grep -q "reram" "$tmp/err" && grep -q "0.6" "$tmp/err"; then ok; else
    bad "run vdd below range: message"; cat "$tmp/err"; fi
if [ -e "$tmp/run_bad" ]; then bad "run vdd below range: output written"; else ok; fi

# A configuration the CAP rows cannot hold: exit 2 naming the file, line and layer.
expect_exit 2 "run does not fit" "$APSIM" run vgg16 --bits w16a16
if grep -q "networks/vgg16.yaml:[0-9]*: error: layer '" "$tmp/err"; then ok; else
    bad "run does not fit: message"; cat "$tmp/err"; fi

# A broken architecture file: file:line:col.
printf 'name: x\nbatchh: 1\n' >"$tmp/arch.yaml"
expect_exit 2 "run bad architecture" "$APSIM" run alexnet --arch "$tmp/arch.yaml"
if grep -q "arch.yaml:2:1: error: unknown key 'batchh' in 'architecture'" "$tmp/err"; then ok
else bad "run bad architecture: message"; cat "$tmp/err"; fi

# A measured chip (sim/arch/gsi_apu.yaml) runs from its own table: the technology, supply
# and node options do not apply to it and are refused; its outputs name its process, leave
# the unpublished supply and area empty, and keep the idle energy apart; a dynamic schedule
# on it is refused at the schedule's arch key; compare ranks the rivals against it.
expect_exit 0 "run gsi_apu" "$APSIM" run resnet18 --arch gsi_apu --out "$tmp/gsi"
if grep -q '"vdd_v": null' "$tmp/gsi/summary.json" && grep -q '"area_mm2": null' "$tmp/gsi/summary.json" &&
    grep -q '"technology": "TSMC 28 nm HPC+"' "$tmp/gsi/summary.json" &&
    grep -q "measured chip; supply not published" "$tmp/out"; then ok
else bad "run gsi_apu: outputs"; cat "$tmp/out"; fi
for opt in "--tech sram" "--vdd 0.8" "--node 16"; do
    # shellcheck disable=SC2086 # the option and its value are two words
    expect_exit 2 "run gsi_apu $opt" "$APSIM" run resnet18 --arch gsi_apu $opt
    if grep -q "architecture 'gsi_apu' is a measured chip (TSMC 28 nm HPC+): --tech, --vdd and --node do not apply" "$tmp/err"; then ok
    else bad "run gsi_apu $opt: message"; cat "$tmp/err"; fi
done
expect_exit 0 "compare gsi_apu" "$APSIM" compare resnet18 --arch gsi_apu --out "$tmp/gsi_cmp.csv"
if grep -q "^  gsi_apu  conv/fc" "$tmp/out" && grep -q "gsi_apu's node at its nominal supply" "$tmp/out"; then ok
else bad "compare gsi_apu: table"; cat "$tmp/out"; fi
sed 's/^tech: sram$/tech: sram\narch: gsi_apu/' experiments/dynamic/resnet18_cascade.yaml >"$tmp/dyn_gsi.yaml"
expect_exit 2 "dynamic on a measured chip" "$APSIM" dynamic "$tmp/dyn_gsi.yaml" --out "$tmp/dyn_gsi"
if grep -q "dyn_gsi.yaml:10:7: error: arch 'gsi_apu' is a measured chip" "$tmp/err"; then ok
else bad "dynamic on a measured chip: message"; cat "$tmp/err"; fi

# `apsim calibrate` (docs/ACCEL.md): a fresh fit written into a temporary directory is
# byte-identical to the committed accel/calibrated files, and --check finds them equal.
expect_exit 0 "calibrate help" "$APSIM" calibrate --help
expect_exit 2 "calibrate unknown option" "$APSIM" calibrate --frob
expect_exit 2 "calibrate unknown model" "$APSIM" calibrate --model sparqq
if grep -q "unknown accelerator 'sparqq'" "$tmp/err"; then ok; else
    bad "calibrate unknown model: message"; cat "$tmp/err"; fi
expect_exit 0 "calibrate into a directory" "$APSIM" calibrate --out "$tmp/cal/calibrated"
for m in sparq potacc bitsys axbxp; do
    expect_same "calibrate $m" "$tmp/cal/calibrated/$m.yaml" "accel/calibrated/$m.yaml"
done
expect_exit 0 "calibrate check" "$APSIM" calibrate --check
# A calibrated file whose fitted value moved: --check exits 1 naming it. The files in
# $tmp/cal/calibrated name their base as ../<model>.yaml.
cp accel/sparq.yaml "$tmp/cal/sparq.yaml"
sed 's/unpack_cycles: {value: [0-9.e-]*/unpack_cycles: {value: 0.03/' accel/calibrated/sparq.yaml \
    >"$tmp/cal/calibrated/sparq.yaml"
expect_exit 1 "calibrate check differs" "$APSIM" calibrate --model sparq --check --out "$tmp/cal/calibrated"
if grep -q "DIFFERS: unpack_cycles" "$tmp/out"; then ok; else
    bad "calibrate check differs: message"; cat "$tmp/out"; fi
expect_exit 2 "calibrate check missing file" "$APSIM" calibrate --model potacc --check --out "$tmp/cal"

# Architecture names and paths (base_resolve): a malformed name and a missing file.
expect_exit 2 "run malformed architecture name" "$APSIM" run alexnet --arch "bf imna"
if grep -q "error: architecture: invalid name 'bf imna'" "$tmp/err"; then ok; else
    bad "run malformed architecture name: message"; cat "$tmp/err"; fi
expect_exit 2 "run missing architecture file" "$APSIM" run alexnet --arch "$tmp/none/arch.yaml"
if grep -q "none/arch.yaml: error: cannot open" "$tmp/err"; then ok; else
    bad "run missing architecture file: message"; cat "$tmp/err"; fi
expect_exit 2 "run unknown architecture: message" "$APSIM" run alexnet --arch nowhere
if grep -q "error: unknown architecture 'nowhere' (no sim/arch/nowhere.yaml)" "$tmp/err"; then ok
else bad "run unknown architecture: message"; cat "$tmp/err"; fi

# --node: the technology and architecture moved to another CMOS node (docs/TECH.md, "Nodes").
for node in 45 22 16 7; do
    expect_exit 0 "run resnet18 --node $node" "$APSIM" run resnet18 --bits int8 --node "$node"
    if grep -q "^resnet18, int8, sram@${node}nm at " "$tmp/out" &&
        grep -q "sram_lstp@${node}nm" "$tmp/out"; then ok; else
        bad "run --node $node: summary"; head -3 "$tmp/out"; fi
done
expect_exit 0 "run resnet18 --node 7 --out" "$APSIM" run resnet18 --node 7 --out "$tmp/run_n7" --quiet
if grep -q "^resnet18,int8,sram@7nm,sram_lstp@7nm,0.758," "$tmp/run_n7/summary.csv"; then ok; else
    bad "run --node 7: summary.csv"; cat "$tmp/run_n7/summary.csv"; fi
expect_exit 2 "run --node 5" "$APSIM" run resnet18 --node 5
if grep -qx "apsim run: error: technology 'sram' at 5 nm: technology node 5 nm is outside the scaling fits' 7..180 nm" "$tmp/err"; then ok; else
    bad "run --node 5: message"; cat "$tmp/err"; fi
expect_exit 2 "run --node 200" "$APSIM" run resnet18 --node 200
if grep -q "technology node 200 nm is outside the scaling fits' 7..180 nm" "$tmp/err"; then ok; else
    bad "run --node 200: message"; cat "$tmp/err"; fi
expect_exit 2 "run --node measured table" "$APSIM" run resnet18 --node 16 --tech sram_22nm_measured
if grep -q "has measured per-voltage points, which belong to its own node: it cannot be moved to 16 nm" "$tmp/err"; then ok; else
    bad "run --node measured table: message"; cat "$tmp/err"; fi
expect_exit 2 "run --node not a number" "$APSIM" run resnet18 --node seven
expect_exit 0 "compare --node 7" "$APSIM" compare resnet18 --node 7 --quiet
