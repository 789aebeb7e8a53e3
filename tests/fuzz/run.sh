#!/bin/sh
# run.sh SECONDS TARGET... - runs each libFuzzer harness build/fuzz/fuzz_<target> (make fuzz)
# for SECONDS, its corpus build/fuzz/corpus/<target> seeded from the shipped files of that
# input (the same files as seed_globs in tests/fuzz_targets.c). Prints the executions and
# coverage of each; a crash, hang (10 s on one input) or sanitizer report stops with exit 1
# and its input copied to tests/fuzz/regress/<target>/ (fix the bug, keep the file: check_fuzz
# replays it in every make check).
set -u
secs=$1
shift
status=0
seeds() {
    case $1 in
    network) echo networks/*.yaml ;;
    bits) echo networks/hawq_v3/resnet18_*.yaml ;;
    tech) echo tech/*.yaml ;;
    arch) echo sim/arch/*.yaml ;;
    experiment) echo experiments/*.yaml tests/golden/golden_small.yaml ;;
    schedule) echo experiments/dynamic/*.yaml tests/golden/dynamic_small.yaml ;;
    onnx) echo models/*.onnx tests/data/*.onnx ;;
    esac
}
for t in "$@"; do
    corpus=build/fuzz/corpus/$t
    crashes=build/fuzz/crashes/$t
    mkdir -p "$corpus" "$crashes"
    for f in $(seeds "$t"); do cp "$f" "$corpus/seed_$(basename "$f")"; done
    log=build/fuzz/$t.log
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "build/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
        -max_len=262144 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "fuzz: $t: ${runs:-?} executions in ${secs} s, ${cov:-cov: ?}"
    found=$(ls "$crashes" 2>/dev/null)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        mkdir -p "tests/fuzz/regress/$t"
        for f in $found; do cp "$crashes/$f" "tests/fuzz/regress/$t/$f"; done
        echo "fuzz: $t: FAILED (exit $rc); inputs kept in tests/fuzz/regress/$t/; log: $log"
        tail -n 30 "$log"
        status=1
    fi
done
exit $status
