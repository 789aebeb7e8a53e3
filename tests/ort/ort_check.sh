#!/bin/sh
# ort_check.sh - `make ort-check` (docs/ONNX.md, "onnxruntime as a judge"): installs the pinned
# onnxruntime-node from npm into an ignored cache folder (npm install --ignore-scripts: its
# install script fetches GPU files from elsewhere; the CPU library is inside the package),
# exports the Fashion-MNIST CNN at int8, dumps apsim's reference and AP logits on the 10,000 test
# images and runs tests/ort/ort_check.js on them.
# Usage: sh tests/ort/ort_check.sh APSIM ORT_VERSION CACHE_DIR AP_IMAGES
# Exit: 0 pass, 1 agreement below 99.9% or an apsim step failed, 77 skipped (node, npm or the
# npm registry unavailable: one line says so).
set -u
apsim=$1 version=$2 dir=$3 n_ap=$4
data=/usr/share/datasets/fashion-mnist
skip() {
    echo "ort-check: SKIPPED: $*"
    exit 77
}
command -v node >/dev/null 2>&1 || skip "node not found (setup.sh installs nodejs)"
command -v npm >/dev/null 2>&1 || skip "npm not found (setup.sh installs npm)"
mkdir -p "$dir" || exit 1
pkg="$dir/node_modules/onnxruntime-node/package.json"
have=$(node -e "try{console.log(require(process.argv[1]).version)}catch(e){}" "$(pwd)/$pkg")
if [ "$have" != "$version" ]; then
    echo "ort-check: npm install --ignore-scripts onnxruntime-node@$version into $dir"
    npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --no-save \
        "onnxruntime-node@$version" >"$dir/npm.log" 2>&1 ||
        skip "npm install onnxruntime-node@$version failed (registry unreachable?); see $dir/npm.log"
fi
# The reference and AP logits of the shipped model itself (its integer weights and scales,
# re-calibrated and checked: no float weights, no training), then, when float weights are
# cached, whether exporting them again gives the same bytes.
model=models/fmnist_cnn_int8.onnx
"$apsim" fmnist eval --bits int8 --model "$model" --ap "$n_ap" --dump "$dir/fmnist_int8_ref.bin" ||
    exit 1
if [ -f results/fmnist/weights.bin ]; then
    "$apsim" export --bits int8 -o "$dir/fmnist_cnn_int8.onnx" || exit 1
    if cmp -s "$dir/fmnist_cnn_int8.onnx" "$model"; then
        echo "ort-check: exporting results/fmnist/weights.bin again gives $model byte for byte"
    else
        echo "ort-check: note: results/fmnist/weights.bin exports to another model than $model"
    fi
fi
NODE_PATH="$dir/node_modules" node tests/ort/ort_check.js "$model" "$dir/fmnist_int8_ref.bin" \
    "$data"
