#!/bin/sh
# regen.sh - rewrites the malformed-ONNX corpus in this folder: truncated and bit-flipped
# copies of the small QDQ model tests/check_onnx.c builds (deterministic: fixed LCG seed),
# keeping only copies the importer rejects. Run from the repository root after `make`.
set -eu
dir=tests/data/onnx_fuzz
rm -f "$dir"/*.onnx
: > "$dir/empty.onnx"
printf '\377\377\377\377\377\377\377\377\377\377' > "$dir/garbage.onnx"
APSIM_ONNX_WRITE_CORPUS="$dir" CK_RUN_SUITE=onnx CK_RUN_CASE=import CK_FORK=no \
    build/debug/check_apsim >/dev/null
ls "$dir"/*.onnx | wc -l
