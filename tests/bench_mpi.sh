#!/bin/sh
# bench_mpi.sh - the MPI speed-up of the bit-exact Fashion-MNIST check (docs/PARALLEL.md):
# times `apsim fmnist eval --bits int8 --ap all` (every test image run on the AP model and
# compared with the integer reference) on 1 rank and under `mpirun -n 2`, checks that both
# print the same text (the seconds per image aside), and prints both wall times, the speed-up
# and the parallel efficiency. The goal: 2 ranks in under 60% of the 1-rank time. Needs the
# trained weights results/fmnist/weights.bin and trains them first when missing (about 5
# minutes, `apsim fmnist train`). Run by `make bench-mpi` (and `make bench` in an MPI build).
# Usage: sh tests/bench_mpi.sh [path/to/apsim]   (default build/release/apsim)
set -eu
APSIM=${1:-build/release/apsim}
WEIGHTS=results/fmnist/weights.bin
export LC_ALL=C
if ! "$APSIM" --version | grep -q "^parallel: MPI build"; then
    echo "bench-mpi: $APSIM is built without MPI: nothing to time"
    exit 0
fi
MPIRUN="mpirun -n 2"
[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
[ "$(nproc)" -lt 2 ] && MPIRUN="$MPIRUN --oversubscribe"
if [ ! -e "$WEIGHTS" ]; then
    echo "bench-mpi: $WEIGHTS is missing: training it first (apsim fmnist train, about 5 minutes)"
    "$APSIM" fmnist train --out "$WEIGHTS"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME CMD...: runs the command, its stdout into $TMP/NAME, its wall time in s on stdout.
run() {
    name=$1
    shift
    t0=$(date +%s.%N)
    "$@" >"$TMP/$name" 2>"$TMP/$name.err" || { cat "$TMP/$name.err" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

echo "bench-mpi: $("$APSIM" --version | head -n 1); $(nproc) cores"
echo "bench-mpi: 1 rank:  $APSIM fmnist eval --bits int8 --ap all"
t1=$(run one "$APSIM" fmnist eval --bits int8 --weights "$WEIGHTS" --ap all)
echo "bench-mpi: 2 ranks: $MPIRUN $APSIM fmnist eval --bits int8 --ap all"
t2=$(run two $MPIRUN "$APSIM" fmnist eval --bits int8 --weights "$WEIGHTS" --ap all)
for f in one two; do sed 's/([0-9.]* s\/image)//' "$TMP/$f" >"$TMP/$f.cut"; done
if ! cmp -s "$TMP/one.cut" "$TMP/two.cut"; then
    echo "bench-mpi: FAIL: the 2-rank run prints other results"
    diff "$TMP/one.cut" "$TMP/two.cut" >&2
    exit 1
fi
grep "bit-exact" "$TMP/one" | sed 's/^/bench-mpi: /'
awk -v t1="$t1" -v t2="$t2" 'BEGIN {
    printf "bench-mpi: wall time 1 rank %.2f s, 2 ranks %.2f s (%.1f%% of 1 rank; goal < 60%%)\n",
           t1, t2, 100 * t2 / t1
    printf "bench-mpi: speed-up %.2fx, parallel efficiency %.1f%%\n", t1 / t2, 100 * t1 / t2 / 2
}'
