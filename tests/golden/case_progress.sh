# case_progress.sh - progress on long work (base_progress; sourced by tests/golden/run.sh): a
# bar on stderr when stderr is a terminal, nothing when it is not (a file, a pipe, CI). The
# terminal is made by script(1) from util-linux (bsdutils); without it that half is skipped.
expect_exit 0 "progress: train, not a terminal" \
    "$APSIM" fmnist train --epochs 1 --train 64 --out "$tmp/progress_w.bin"
if [ ! -s "$tmp/err" ]; then ok; else bad "progress: bar written to a non-terminal"; cat "$tmp/err"; fi
if command -v script >/dev/null 2>&1; then
    script -qec "$APSIM fmnist train --epochs 1 --train 64 --out $tmp/progress_w.bin" \
        "$tmp/progress.tty" >/dev/null 2>&1
    if tr '\r' '\n' <"$tmp/progress.tty" | grep -q '^training \[#*\] 2/2 batches'; then ok; else
        bad "progress: no training bar on a terminal"; cat -v "$tmp/progress.tty" | head -5; fi
    script -qec "$APSIM sweep tests/golden/golden_small.yaml --out $tmp/progress_sweep" \
        "$tmp/progress.tty" >/dev/null 2>&1
    if tr '\r' '\n' <"$tmp/progress.tty" | grep -q '^apsim sweep \[#*\] 8/8 points'; then ok; else
        bad "progress: no sweep bar on a terminal"; cat -v "$tmp/progress.tty" | head -5; fi
fi
