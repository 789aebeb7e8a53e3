# case_outputs.sh - the output schema (docs/OUTPUTS.md) against the files apsim writes (sourced
# by tests/golden/run.sh, which defines $APSIM, $tmp, ok, bad and expect_exit). Each column
# table of OUTPUTS.md, under its heading "### <command>: <file>", must list exactly the file's
# header line, in order; every table is checked, so the document and the writers cannot drift.
# The Fashion-MNIST tables come from a small run (one epoch on 200 images, 10 test images,
# 10 calibration images: seconds), when the data set (dataset-fashion-mnist) is installed.

# The comma-joined first column of the table under "### $1" in docs/OUTPUTS.md.
doc_header() {
    awk -v want="$1" '/^### /{sec = substr($0, 5); next}
        sec == want && /^\| `/ {split($0, a, "`"); h = h (h == "" ? "" : ",") a[2]}
        END {print h}' docs/OUTPUTS.md
}

# expect_header SECTION FILE: the file's first line equals the documented columns.
out_checked=""
expect_header() {
    out_checked="$out_checked|$1|"
    want=$(doc_header "$1")
    if [ -z "$want" ]; then bad "outputs: no column table '### $1' in docs/OUTPUTS.md"; return; fi
    if [ ! -s "$2" ]; then bad "outputs: $1: $2 not written"; return; fi
    got=$(head -n 1 "$2")
    if [ "$got" = "$want" ]; then ok; else
        bad "outputs: $1: header differs from docs/OUTPUTS.md"
        printf 'file: %s\ndoc:  %s\n' "$got" "$want"
    fi
}

# expect_tool FILE: a JSON output opens with the tool block and its version.
expect_tool() {
    if sed -n 2,4p "$1" | tr -d ' \n' | grep -q '^"tool":{"name":"apsim","version":"[^"]*",'; then ok
    else bad "outputs: $1: no tool block first"; head -5 "$1"; fi
}

o="$tmp/outputs"
mkdir -p "$o"
expect_exit 0 "outputs: net" "$APSIM" net resnet18 --bits int8 --out "$o/net.csv" --quiet
expect_header "net --out: layers" "$o/net.csv"
expect_exit 0 "outputs: run" "$APSIM" run resnet18 --bits int4 --out "$o/run" --quiet
for f in layers.csv summary.csv ert.csv; do expect_header "run: $f" "$o/run/$f"; done
expect_tool "$o/run/summary.json"
expect_exit 0 "outputs: compare" "$APSIM" compare resnet18 --bits int4 --out "$o/compare.csv" --quiet
expect_header "compare --out: rows" "$o/compare.csv"
expect_exit 0 "outputs: sweep" "$APSIM" sweep tests/golden/golden_small.yaml --out "$o/sweep/golden_small" --quiet
for f in points.csv front.csv; do expect_header "sweep: $f" "$o/sweep/golden_small/$f"; done
# the sweep's layers.csv is run's (one writer)
if [ "$(head -n 1 "$o/sweep/golden_small/layers.csv")" = "$(doc_header "run: layers.csv")" ]; then ok
else bad "outputs: sweep layers.csv: header differs from run: layers.csv"; fi
expect_tool "$o/sweep/golden_small/summary.json"
expect_exit 0 "outputs: efficiency" "$APSIM" sweep experiments/efficiency.yaml --out "$o/eff/efficiency" --quiet
expect_header "sweep: efficiency.csv" "$o/eff/efficiency/efficiency.csv"
expect_exit 0 "outputs: dynamic" "$APSIM" dynamic tests/golden/dynamic_small.yaml --out "$o/dyn" --quiet
for f in requests.csv summary.csv family.csv static.csv; do
    expect_header "dynamic: $f" "$o/dyn/$f"
done
expect_tool "$o/dyn/summary.json"

fm_data=/usr/share/datasets/fashion-mnist
fm_skip=0
if [ -e "$fm_data/t10k-images-idx3-ubyte.gz" ]; then
    expect_exit 0 "outputs: fmnist train" "$APSIM" fmnist train --epochs 1 --train 200 --out "$o/fmw" --quiet
    expect_exit 0 "outputs: fmnist sweep" "$APSIM" fmnist sweep --weights "$o/fmw/weights.bin" --test 10 --ap 1 --calib 10 --quiet \
        --out "$o/fm"
    for f in configs.csv cascade.csv points.csv; do expect_header "fmnist sweep: $f" "$o/fm/$f"; done
else
    fm_skip=1
    echo "golden: note: fmnist sweep output tables not checked (dataset-fashion-mnist is not installed)"
fi

# Every column table of OUTPUTS.md was checked above.
for sec in $(awk '/^### /{sec = substr($0, 5); gsub(/ /, "_", sec); next}
        /^\| `/ && sec != last {print sec; last = sec}' docs/OUTPUTS.md); do
    name=$(printf '%s' "$sec" | tr '_' ' ')
    case $name in fmnist*) [ $fm_skip -eq 1 ] && continue ;; esac
    case $out_checked in *"|$name|"*) ok ;; *) bad "outputs: table '### $name' is not checked by case_outputs.sh" ;; esac
done
