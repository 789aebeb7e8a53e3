# case_mpi.sh - runs shared among MPI ranks (docs/PARALLEL.md; sourced by tests/golden/run.sh):
# `mpirun -n 2 apsim sweep` writes every output file with the same bytes as one rank; shard
# journals of an interrupted run resume with another rank count; `apsim fmnist eval` prints
# the same text on 2 ranks as on one (its seconds per image aside). Skipped, with a note, when
# apsim is built without MPI or mpirun is missing. As root (CI), mpirun needs
# --allow-run-as-root. In the sanitizer build the ranks run with tests/golden/lsan_mpi.supp
# (Open MPI's own allocations kept until exit) and ASan's full unwinder, so that a leak is
# matched to the library it comes from.

# same_dirs NAME A B: A and B hold the same file names (hidden ones too) with the same bytes.
same_dirs() {
    if [ "$(ls -A "$2")" = "$(ls -A "$3")" ] && [ -n "$(ls -A "$2")" ]; then ok; else
        bad "$1: file lists differ"; ls -A "$2" "$3"; return; fi
    for f in $(ls -A "$2"); do
        if cmp -s "$2/$f" "$3/$f"; then ok; else bad "$1: $f differs"; fi
    done
}

# mpi_sweep_same EXPERIMENT NAME: serial and 2-rank sweeps, every file and stdout compared.
mpi_sweep_same() {
    expect_exit 0 "mpi: $2 serial" "$APSIM" sweep "$1" --out "$tmp/mpi1/$2"
    sed "s|$tmp/mpi1/|DIR/|" "$tmp/out" >"$tmp/mpi_serial.out"
    expect_exit 0 "mpi: $2 on 2 ranks" $MPIRUN -n 2 "$APSIM" sweep "$1" --out "$tmp/mpi2/$2"
    sed "s|$tmp/mpi2/|DIR/|" "$tmp/out" >"$tmp/mpi_2.out"
    if cmp -s "$tmp/mpi_serial.out" "$tmp/mpi_2.out"; then ok; else
        bad "mpi: $2 stdout differs"; diff "$tmp/mpi_serial.out" "$tmp/mpi_2.out" | head -5; fi
    same_dirs "mpi: $2" "$tmp/mpi1/$2" "$tmp/mpi2/$2"
}

# An interrupted 2-rank sweep (its last rename fails on a directory in the way) leaves both
# shard journals; cut, one with a torn last line, they resume on 3 ranks and on 1.
mpi_sweep_resume() {
    d=$tmp/mpi_r/golden_small
    mkdir -p "$d/points.csv"
    expect_exit 3 "mpi: sweep stopped on 2 ranks" \
        $MPIRUN -n 2 "$APSIM" sweep tests/golden/golden_small.yaml --out "$tmp/mpi_r/golden_small" --quiet
    if [ "$(grep -c "a directory is in the way" "$tmp/err")" -eq 1 ]; then ok; else
        bad "mpi: the agreed error once on stderr"; cat "$tmp/err"; fi
    rmdir "$d/points.csv"
    if [ -s "$d/.journal.0.csv" ] && [ -s "$d/.journal.1.csv" ]; then ok; else
        bad "mpi: shard journals missing"; ls -A "$d"; fi
    head -n 2 "$d/.journal.0.csv" >"$tmp/j0" && mv "$tmp/j0" "$d/.journal.0.csv"
    head -n 2 "$d/.journal.1.csv" >"$tmp/j1" && printf '7|0|1.5' >>"$tmp/j1" &&
        mv "$tmp/j1" "$d/.journal.1.csv"
    cp -r "$tmp/mpi_r" "$tmp/mpi_r1"
    expect_exit 0 "mpi: resumed on 3 ranks" \
        $MPIRUN -n 3 "$APSIM" sweep tests/golden/golden_small.yaml --out "$tmp/mpi_r/golden_small"
    if grep -q "8 design points (2 resumed, 6 evaluated" "$tmp/out"; then ok; else
        bad "mpi: resumed on 3 ranks: counts"; cat "$tmp/out"; fi
    same_dirs "mpi: resumed on 3 ranks" "$tmp/mpi1/golden_small" "$d"
    expect_exit 0 "mpi: resumed on 1 rank" \
        "$APSIM" sweep tests/golden/golden_small.yaml --out "$tmp/mpi_r1/golden_small" --quiet
    same_dirs "mpi: resumed on 1 rank" "$tmp/mpi1/golden_small" "$tmp/mpi_r1/golden_small"
}

# fmnist eval of a tiny CNN trained here (no cached weights needed): the text of 1 and 2
# ranks, --ap 30 and --ap all over 30 test images, equal once the seconds per image are cut.
mpi_fmnist_same() {
    fm_data=/usr/share/datasets/fashion-mnist
    if [ ! -e "$fm_data/t10k-images-idx3-ubyte.gz" ]; then
        echo "golden: note: no Fashion-MNIST data in $fm_data (dataset-fashion-mnist): mpi fmnist cases skipped"
        return
    fi
    fm_args="--net tests/golden/fmnist_tiny.yaml --weights $tmp/fm_tiny/weights.bin --bits int8 --test 30"
    expect_exit 0 "mpi: fmnist train tiny" "$APSIM" fmnist train --net tests/golden/fmnist_tiny.yaml \
        --epochs 1 --train 2000 --out "$tmp/fm_tiny"
    expect_exit 0 "mpi: fmnist eval serial" "$APSIM" fmnist eval $fm_args --ap 30
    sed 's/([0-9.]* s\/image)//' "$tmp/out" >"$tmp/fm1.out"
    if grep -q "AP 30/30 bit-exact" "$tmp/fm1.out"; then ok; else bad "mpi: fmnist eval: AP line"; cat "$tmp/fm1.out"; fi
    expect_exit 0 "mpi: fmnist eval on 2 ranks" $MPIRUN -n 2 "$APSIM" fmnist eval $fm_args --ap 30
    sed 's/([0-9.]* s\/image)//' "$tmp/out" >"$tmp/fm2.out"
    if cmp -s "$tmp/fm1.out" "$tmp/fm2.out"; then ok; else
        bad "mpi: fmnist eval on 2 ranks: text differs"; diff "$tmp/fm1.out" "$tmp/fm2.out"; fi
    expect_exit 0 "mpi: fmnist eval --ap all on 2 ranks" $MPIRUN -n 2 "$APSIM" fmnist eval $fm_args --ap all
    sed 's/([0-9.]* s\/image)//' "$tmp/out" >"$tmp/fm3.out"
    if cmp -s "$tmp/fm1.out" "$tmp/fm3.out"; then ok; else
        bad "mpi: fmnist eval --ap all: text differs"; diff "$tmp/fm1.out" "$tmp/fm3.out"; fi
}

MPIRUN="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
MPIRUN="$MPIRUN LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/golden/lsan_mpi.supp:print_suppressions=0"
MPIRUN="$MPIRUN mpirun --oversubscribe"
if ! "$APSIM" --version | grep -q "^parallel: MPI build"; then
    echo "golden: note: apsim is built without MPI: the mpirun cases are skipped"
elif ! command -v mpirun >/dev/null 2>&1; then
    echo "golden: note: no mpirun (Debian openmpi-bin): the mpirun cases are skipped"
else
    [ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
    expect_exit 0 "mpi: --version on 2 ranks" $MPIRUN -n 2 "$APSIM" --version
    if grep -Eq '^parallel: MPI \(.+\), 2 ranks$' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 3 ]; then ok
    else bad "mpi: --version on 2 ranks: one rank prints, saying 2 ranks"; cat "$tmp/out"; fi
    mpi_sweep_same tests/golden/golden_small.yaml golden_small
    mpi_sweep_same experiments/efficiency.yaml efficiency
    mpi_sweep_same experiments/node.yaml node
    mpi_sweep_resume
    expect_exit 2 "mpi: sweep of a missing file" $MPIRUN -n 2 "$APSIM" sweep "$tmp/nosuch.yaml"
    if [ "$(grep -c "apsim sweep: " "$tmp/err")" -eq 1 ]; then ok; else
        bad "mpi: missing file: one error line"; cat "$tmp/err"; fi
    mpi_fmnist_same
fi
