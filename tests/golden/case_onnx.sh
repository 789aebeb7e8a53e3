# case_onnx.sh - golden cases for ONNX models on the command line (sourced by
# tests/golden/run.sh). The report is integers and fixed decimals: compared exactly.

expect_exit 0 "onnx net report" "$APSIM" net tests/data/onnx_small_qdq.onnx --bits onnx \
    --out "$tmp/onnx_net.csv" --quiet
expect_same "onnx net report" "$tmp/onnx_net.csv" tests/golden/onnx_small_qdq_net.csv.expected
expect_exit 0 "onnx run" "$APSIM" run tests/data/onnx_small_qdq.onnx --bits onnx --quiet
expect_exit 0 "onnx run with a shorthand" "$APSIM" run tests/data/onnx_small_qdq.onnx --bits w4a8 --quiet

# A truncated model: exit 2 with a message naming the file, and no output.
head -c 100 tests/data/onnx_small_qdq.onnx >"$tmp/cut.onnx"
expect_exit 2 "onnx truncated" "$APSIM" net "$tmp/cut.onnx" --out "$tmp/cut.csv"
if grep -q "cut.onnx" "$tmp/err"; then ok; else bad "onnx truncated: message"; cat "$tmp/err"; fi
if [ -e "$tmp/cut.csv" ]; then bad "onnx truncated: CSV written"; else ok; fi
