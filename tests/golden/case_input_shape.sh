# case_input_shape.sh - golden cases for --input-shape (sourced by tests/golden/run.sh): the
# MobileNetV2-class ONNX model with symbolic dims (tests/data/onnx_mobilenet_class.onnx, written
# by tests/onnx_build.c) at a given shape, the built-in MobileNetV2, and malformed values.

expect_exit 0 "input-shape onnx net" "$APSIM" net tests/data/onnx_mobilenet_class.onnx \
    --input-shape 1x3x16x16 --out "$tmp/mbc.csv" --quiet
expect_same "input-shape onnx net" "$tmp/mbc.csv" tests/golden/onnx_mobilenet_class_net.csv.expected
expect_exit 0 "input-shape onnx run" "$APSIM" run tests/data/onnx_mobilenet_class.onnx \
    --input-shape 3x32x32 --quiet

# input_error NAME MESSAGE CMD...: exit 2 and a message containing MESSAGE on stderr.
input_error() {
    name=$1; msg=$2; shift 2
    expect_exit 2 "$name" "$@"
    if grep -qF -- "$msg" "$tmp/err"; then ok; else bad "$name: message"; cat "$tmp/err"; fi
}
input_error "input-shape missing" "has symbolic dimensions [?, 3, ?, ?]: give its shape with --input-shape" \
    "$APSIM" net tests/data/onnx_mobilenet_class.onnx
input_error "input-shape conflict" "dimension 1 (C) is 3 in the model, the input shape 1x1x3x224 gives 1" \
    "$APSIM" net tests/data/onnx_mobilenet_class.onnx --input-shape 1x3x224
input_error "input-shape zero" "--input-shape: input shape '0x3x4x4': dimension 0 is 0" \
    "$APSIM" net tests/data/onnx_mobilenet_class.onnx --input-shape 0x3x4x4
input_error "input-shape letters" "--input-shape: input shape 'ax3': dimension 0 'a' is not a whole number" \
    "$APSIM" run mobilenet_v2 --input-shape ax3
input_error "input-shape overflow" "dimension 2 '99999999999999999999' exceeds 1048576" \
    "$APSIM" compare mobilenet_v2 --input-shape 1x3x99999999999999999999x4
input_error "input-shape yaml channels" "gives 1 channels, network 'mobilenet_v2' takes 3" \
    "$APSIM" net mobilenet_v2 --input-shape 1x3x224
input_error "input-shape dynamic" "--input-shape: input shape '1x3': 2 dimensions" \
    "$APSIM" dynamic tests/golden/dynamic_small.yaml --input-shape 1x3

# The built-in MobileNetV2 (networks/mobilenet_v2.yaml) at 224x224 and at 160x160.
expect_exit 0 "mobilenet_v2 net" "$APSIM" net mobilenet_v2 --out "$tmp/mbv2.csv" --quiet
expect_same "mobilenet_v2 net" "$tmp/mbv2.csv" tests/golden/net_mobilenet_v2.csv.expected
expect_exit 0 "mobilenet_v2 run" "$APSIM" run mobilenet_v2 --quiet
expect_exit 0 "mobilenet_v2 run 160" "$APSIM" run mobilenet_v2 --input-shape 1x3x160x160 --quiet

# A sweep over one network at two shapes and a symbolic ONNX model: three networks.
expect_exit 0 "input-shape sweep" "$APSIM" sweep tests/golden/input_shape_sweep.yaml \
    --out "$tmp/shape_results/input_shape_sweep" --quiet
cut -d, -f2 "$tmp/shape_results/input_shape_sweep/points.csv" >"$tmp/shape_nets.txt"
printf 'network\nmobilenet_v2\nmobilenet_v2@3x160x160\nonnx_mobilenet_class.onnx@3x32x32\n' \
    >"$tmp/shape_nets.want"
if cmp -s "$tmp/shape_nets.txt" "$tmp/shape_nets.want"; then ok; else
    bad "input-shape sweep: networks"; cat "$tmp/shape_nets.txt"; fi

# Issue 17's MobileNetV3-class model (depthwise conv, decomposed hard-swish, squeeze-and-excite;
# tests/data/onnx_mobilenet_v3_class.onnx) with symbolic dims: imported at a shape, planned.
expect_exit 0 "input-shape onnx v3 run" "$APSIM" run tests/data/onnx_mobilenet_v3_class.onnx \
    --input-shape 1x3x24x24 --quiet
# At 224x224 its squeeze-and-excite and final global pools sum 12544-element windows: a tree
# spanning 16 of the default CAPs per output (docs/SIM_MODEL.md).
expect_exit 0 "input-shape onnx v3 run 224" "$APSIM" run tests/data/onnx_mobilenet_v3_class.onnx \
    --input-shape 1x3x224x224 --quiet
input_error "input-shape v3 missing" "give its shape with --input-shape" \
    "$APSIM" run tests/data/onnx_mobilenet_v3_class.onnx
