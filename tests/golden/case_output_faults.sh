# case_output_faults.sh - outputs under faults (sourced by tests/golden/run.sh): special files
# written in place and never replaced, write errors that name the path (exit 3, an I/O
# failure, not 2), stale temporary files of killed runs removed, and output sets that stay
# whole when a rename fails (strace's fault injection) or the disk fills mid-write (a 400 kB
# tmpfs in a private mount namespace). The last two need strace and root (unshare -m); each
# says "skipped" on its own line where the machine cannot.
of=$tmp/of
mkdir -p "$of"

# A FIFO: written through (a reader gets the CSV), still a FIFO afterwards.
mkfifo "$of/pipe.csv"
timeout 20 cat "$of/pipe.csv" >"$of/from_pipe.csv" &
reader=$!
expect_exit 0 "output faults: net -o FIFO" timeout 20 "$APSIM" net resnet18 -o "$of/pipe.csv"
wait $reader
"$APSIM" net resnet18 -o - >"$of/direct.csv"
if [ -p "$of/pipe.csv" ] && cmp -s "$of/from_pipe.csv" "$of/direct.csv"; then ok; else
    bad "output faults: FIFO replaced or its reader got other bytes"; ls -l "$of"; fi

# SIGTERM while blocked opening a FIFO nobody reads: a message and the usual 143.
mkfifo "$of/stuck.csv"
rc=$( (
    "$APSIM" net resnet18 -o "$of/stuck.csv" >/dev/null 2>"$of/stuck.err" &
    stuck=$!
    sleep 2
    kill -TERM $stuck
    wait $stuck
    echo $?
) 2>/dev/null)
if [ $rc -eq 143 ] && grep -qF "apsim: stopped by SIGTERM; temporary files removed: 0; earlier outputs are as they were" "$of/stuck.err"; then ok; else
    bad "output faults: SIGTERM: exit $rc"; cat "$of/stuck.err"; fi

# A symlink to a file: the link stays, the file it names gets the output.
: >"$of/target.csv"
ln -s target.csv "$of/link.csv"
expect_exit 0 "output faults: net -o symlink" "$APSIM" net resnet18 -o "$of/link.csv"
if [ -L "$of/link.csv" ] && cmp -s "$of/target.csv" "$of/direct.csv"; then ok; else
    bad "output faults: symlink replaced or its file not written"; ls -l "$of"; fi

# /dev/stdout appends to what the shell opened (the CSV, then the table); never replaced.
echo "before" >"$of/stdout.csv"
"$APSIM" net resnet18 -o /dev/stdout >>"$of/stdout.csv" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(head -n 1 "$of/stdout.csv")" = before ] &&
    sed -n "2,$(($(wc -l <"$of/direct.csv") + 1))p" "$of/stdout.csv" | cmp -s - "$of/direct.csv"; then ok; else
    bad "output faults: -o /dev/stdout"; cat "$tmp/err"; fi

# A full disk (/dev/full): exit 3 and the path with the system's reason; stays a device.
if [ -w /dev/full ]; then
    expect_exit 3 "output faults: net -o /dev/full" "$APSIM" net resnet18 -o /dev/full
    if grep -qF "apsim net: /dev/full: error: cannot write: No space left on device" "$tmp/err" &&
        [ -c /dev/full ]; then ok; else bad "output faults: /dev/full message"; cat "$tmp/err"; fi
fi

# An unwritable directory for a set: exit 3, nothing left behind.
expect_exit 3 "output faults: run -o under a file" "$APSIM" run resnet18 -o "$of/target.csv/r"
if grep -qF "$of/target.csv/r: error: cannot create directory: Not a directory" "$tmp/err"; then ok; else
    bad "output faults: run -o under a file: message"; cat "$tmp/err"; fi

# Stale temporaries of killed runs (a pid that no longer runs) go; another program's stay.
sh -c 'exit 0' &
deadpid=$!
wait $deadpid
"$APSIM" run resnet18 -o "$of/set" -q >/dev/null
echo partial >"$of/set/layers.csv.tmp.$deadpid"
mkdir "$of/set/.apsim-out.$deadpid"
echo partial >"$of/set/.apsim-out.$deadpid/layers.csv"
echo theirs >"$of/set/notes.tmp.$deadpid"
echo partial >"$of/direct.csv.tmp.$deadpid"
expect_exit 0 "output faults: run over stale temporaries" "$APSIM" run resnet18 -o "$of/set" -q
expect_exit 0 "output faults: net over a stale temporary" "$APSIM" net resnet18 -o "$of/direct.csv"
if [ ! -e "$of/set/layers.csv.tmp.$deadpid" ] && [ ! -e "$of/set/.apsim-out.$deadpid" ] &&
    [ -e "$of/set/notes.tmp.$deadpid" ] && [ ! -e "$of/direct.csv.tmp.$deadpid" ]; then ok; else
    bad "output faults: stale temporaries"; ls -A "$of/set" "$of"; fi

# A set left committed by a run killed in the middle of its moves is finished by the next.
mkdir "$of/set/.apsim-out.$deadpid"
printf 'new\n' >"$of/set/.apsim-out.$deadpid/summary.csv"
printf 'put summary.csv\n' >"$of/set/.apsim-out.$deadpid/manifest"
expect_exit 0 "output faults: net after a killed commit" "$APSIM" net resnet18 -o "$of/set/n.csv"
expect_exit 0 "output faults: run after a killed commit" "$APSIM" run resnet18 --bits int4 -o "$of/set" -q
if [ ! -e "$of/set/.apsim-out.$deadpid" ]; then ok; else bad "output faults: committed stage left"; fi

# Injected rename failures (strace): each of the renames of a run's commit fails in turn; the
# previous set stays byte for byte, nothing is left behind, exit 3 names the file.
faults_strace() {
    "$APSIM" run resnet18 -o "$of/rs" -q >/dev/null
    (cd "$of/rs" && cksum ./* >"$of/rs.sum")
    k=1
    while [ $k -le 5 ]; do
        # LeakSanitizer cannot run under ptrace (the san build): leaks are checked elsewhere.
        expect_exit 3 "output faults: rename $k fails" env ASAN_OPTIONS=detect_leaks=0 \
            strace -f -q -o /dev/null -e trace=rename,renameat,renameat2 \
            -e inject=rename,renameat,renameat2:error=EIO:when=$k+ "$APSIM" run resnet18 --bits int4 -o "$of/rs" -q
        if (cd "$of/rs" && cksum ./* | cmp -s - "$of/rs.sum") && [ "$(ls -A "$of/rs" | wc -l)" -eq 4 ] &&
            grep -q "error: cannot .*: Input/output error" "$tmp/err"; then ok; else
            bad "output faults: rename $k: previous set changed"; ls -A "$of/rs"; cat "$tmp/err"; fi
        k=$((k + 1))
    done
}
if strace -f -q -o /dev/null true 2>/dev/null; then faults_strace; else
    echo "golden: note: strace cannot trace here (Debian strace; ptrace allowed): the rename-failure cases are skipped"
fi

# A disk that fills mid-write: a 400 kB tmpfs filled to leave 2..60 kB; run, sweep and dynamic
# each either fail with exit 3 leaving their previous set byte for byte, or write the whole new
# set. Needs a private mount namespace (root).
faults_tmpfs() {
    mnt=$of/mnt
    mkdir -p "$mnt" "$of/ref"
    "$APSIM" sweep tests/golden/golden_small.yaml -o "$of/ref/s0" -q >/dev/null
    "$APSIM" dynamic tests/golden/dynamic_small.yaml -o "$of/ref/d0" -q >/dev/null
    "$APSIM" run resnet18 -o "$of/ref/r0" -q >/dev/null
    sed 's/0.7/0.8/' tests/golden/golden_small.yaml >"$of/g2.yaml"
    sed 's/tech: sram/tech: reram/' tests/golden/dynamic_small.yaml >"$of/d2.yaml"
    "$APSIM" sweep "$of/g2.yaml" -o "$of/ref/s1" -q >/dev/null
    "$APSIM" dynamic "$of/d2.yaml" -o "$of/ref/d1" -q >/dev/null
    "$APSIM" run vgg16 --bits int4 -o "$of/ref/r1" -q >/dev/null
    unshare -m sh tests/golden/tmpfs_fill.sh "$APSIM" "$mnt" "$of" >"$tmp/out" 2>"$tmp/err"
    if [ $? -eq 0 ] && ! grep -q MIXED "$tmp/out" && [ "$(grep -c ': [rsd]: exit 3' "$tmp/out")" -ge 12 ]; then ok; else
        bad "output faults: disk full mid-write"; cat "$tmp/out" "$tmp/err" | head -20; fi
    [ "${FAULTS_VERBOSE:-0}" = 1 ] && cat "$tmp/out"
}
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then faults_tmpfs; else
    echo "golden: note: no private mount namespace (root, unshare -m): the full-disk cases are skipped"
fi
