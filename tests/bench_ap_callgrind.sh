#!/bin/sh
# bench_ap_callgrind.sh - instructions per row-pass of the AP model's 8-bit add and 8x8
# multiply, pass by pass and fused: runs `bench_ap --ir OP [--fused]` under valgrind's
# callgrind, counting only the instructions executed inside ap_add / ap_mul (and what they
# call; a fused op runs its whole program before it returns).
# Usage: sh tests/bench_ap_callgrind.sh [path/to/bench_ap]   (default build/release/bench_ap)
set -eu
BIN=${1:-build/release/bench_ap}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for mode in pass fused; do
    for op in add mul; do
        fn=ap_$op
        passes=$(valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.$op" \
            --collect-atstart=no --toggle-collect="$fn" "$BIN" --ir "$op" "--$mode" 2>/dev/null |
            awk '/^row_passes/ {print $2}')
        ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$TMP/cg.$op")
        awk -v op="$op" -v mode="$mode" -v ir="$ir" -v rp="$passes" 'BEGIN {
            printf "callgrind %-4s %-5s instructions %d  row-passes %d  instructions/row-pass %.4f\n",
                   op, mode, ir, rp, ir / rp }'
    done
done
