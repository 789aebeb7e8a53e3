# case_export.sh - golden cases for `apsim export` and the shipped exported model (sourced by
# tests/golden/run.sh). The export itself needs trained weights: tests/check_export.c (suite
# export) exports synthetic models and `make ort-check` the trained one.

expect_exit 0 "export --help" "$APSIM" export --help
if grep -q "usage: apsim export" "$tmp/out"; then ok; else bad "export --help: usage on stdout"; fi
expect_exit 2 "export without -o" "$APSIM" export --bits int8
if grep -q "error: -o/--out FILE.onnx is required" "$tmp/err"; then ok; else bad "export without -o: message"; cat "$tmp/err"; fi
expect_exit 2 "export over 8 bits" "$APSIM" export --bits int12 -o "$tmp/x.onnx"
if grep -q "at most 8 bits" "$tmp/err"; then ok; else bad "export over 8 bits: message"; cat "$tmp/err"; fi
expect_exit 2 "export of a residual network" "$APSIM" export --net resnet18 -o "$tmp/x.onnx"
if grep -q "error: export: layer" "$tmp/err"; then ok; else bad "export resnet18: message"; cat "$tmp/err"; fi
expect_exit 2 "export without weights" "$APSIM" export --weights "$tmp/none.bin" -o "$tmp/x.onnx"
if grep -q "apsim fmnist train" "$tmp/err"; then ok; else bad "export without weights: message"; cat "$tmp/err"; fi
if [ -e "$tmp/x.onnx" ]; then bad "export errors: a file was written"; else ok; fi

# The shipped model (make model): imported with its own widths, and run like a shipped network.
expect_exit 0 "shipped onnx net report" "$APSIM" net models/fmnist_cnn_int8.onnx --bits onnx \
    --out "$tmp/export_net.csv" --quiet
expect_same "shipped onnx net report" "$tmp/export_net.csv" \
    tests/golden/fmnist_cnn_int8_onnx_net.csv.expected
expect_exit 0 "shipped onnx run" "$APSIM" run models/fmnist_cnn_int8.onnx --bits onnx --quiet

# A tiny CNN trained here (no cached weights needed): exported, read back with its widths, and
# `fmnist eval --dump` (the file ort-check reads) of the right size; unwritable outputs fail.
export_tiny() {
    fm_data=/usr/share/datasets/fashion-mnist
    if [ ! -e "$fm_data/t10k-images-idx3-ubyte.gz" ]; then
        echo "golden: note: no Fashion-MNIST data in $fm_data (dataset-fashion-mnist): export cases skipped"
        return
    fi
    tiny="--net tests/golden/fmnist_tiny.yaml --weights $tmp/ex_tiny/weights.bin"
    expect_exit 0 "export: train tiny" "$APSIM" fmnist train --net tests/golden/fmnist_tiny.yaml \
        --epochs 1 --train 2000 --out "$tmp/ex_tiny"
    expect_exit 0 "export tiny" "$APSIM" export $tiny -o "$tmp/tiny.onnx"
    expect_exit 0 "export tiny -o -" "$APSIM" export $tiny -o -
    if cmp -s "$tmp/out" "$tmp/tiny.onnx"; then ok; else bad "export -o -: not the same model"; fi
    expect_exit 0 "fmnist eval -q" "$APSIM" fmnist eval $tiny --bits int8 --test 10 --ap 2 -q
    if [ ! -s "$tmp/out" ]; then ok; else bad "fmnist eval -q: printed"; head -3 "$tmp/out"; fi
    expect_exit 0 "export tiny: import" "$APSIM" net "$tmp/tiny.onnx" --bits onnx --out "$tmp/tiny.csv" --quiet
    if grep -q "^conv1,conv,input,1,28,28,4,28,28,3,3,1,1,1,.*,8,8,8," "$tmp/tiny.csv" &&
        grep -q "^fc,fc,flatten,196,1,1,10,.*,8,8,32," "$tmp/tiny.csv"; then ok; else
        bad "export tiny: imported layers"; cat "$tmp/tiny.csv"; fi
    expect_exit 3 "export tiny: unwritable path" "$APSIM" export $tiny -o "$tmp/no/such/dir/x.onnx"
    if grep -q "x.onnx" "$tmp/err"; then ok; else bad "export unwritable: message"; cat "$tmp/err"; fi
    expect_exit 0 "fmnist eval --dump" "$APSIM" fmnist eval $tiny --bits int8 --test 30 --ap 5 \
        --dump "$tmp/tiny.dump"
    # 24 header bytes, 30 labels, 30 x 10 reference and 5 x 10 AP int32 logits.
    if [ "$(wc -c <"$tmp/tiny.dump")" -eq 1454 ] && head -c 7 "$tmp/tiny.dump" | grep -q APSIMLG; then
        ok; else bad "fmnist eval --dump: size or magic"; fi
    # The same logits from the exported file alone (no float weights).
    expect_exit 0 "fmnist eval --model" "$APSIM" fmnist eval --net tests/golden/fmnist_tiny.yaml \
        --weights "$tmp/none.bin" --model "$tmp/tiny.onnx" --bits int8 --test 30 --ap 5 \
        --dump "$tmp/tiny_model.dump"
    if cmp -s "$tmp/tiny.dump" "$tmp/tiny_model.dump"; then ok; else bad "fmnist eval --model: logits differ"; fi
    expect_exit 2 "fmnist eval --model at other bits" "$APSIM" fmnist eval \
        --net tests/golden/fmnist_tiny.yaml --model "$tmp/tiny.onnx" --bits int4 --test 30 --ap 5
    expect_exit 2 "fmnist sweep --model" "$APSIM" fmnist sweep --model "$tmp/tiny.onnx"
    expect_exit 3 "fmnist eval --dump unwritable" "$APSIM" fmnist eval $tiny --bits int8 --test 30 \
        --ap 5 --dump "$tmp/no/such/dir/x.dump"
}
export_tiny
