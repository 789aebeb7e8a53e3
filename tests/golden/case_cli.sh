# case_cli.sh - golden cases for the command line every command shares (cli/cli_opt.c): the
# option forms, help, -o/--out, the man page and the bash completion (sourced by
# tests/golden/run.sh, which defines $APSIM, $tmp, ok, bad and expect_exit).

# --opt=value and --opt value give the same CSV; -o - prints it on stdout instead of the table.
expect_exit 0 "cli: --bits=int4 --out=FILE" "$APSIM" net alexnet --bits=int4 --out="$tmp/cli_a.csv"
expect_exit 0 "cli: --bits int4 -o FILE" "$APSIM" net alexnet --bits int4 -o "$tmp/cli_b.csv" -q
if cmp -s "$tmp/cli_a.csv" "$tmp/cli_b.csv"; then ok; else bad "cli: --opt=value differs"; fi
expect_exit 0 "cli: net --out -" "$APSIM" net alexnet --bits int4 --out -
if cmp -s "$tmp/out" "$tmp/cli_a.csv"; then ok; else bad "cli: net --out - is not the CSV"; fi
expect_exit 0 "cli: compare -o -" "$APSIM" compare alexnet --bits int8 -o -
if head -n 1 "$tmp/out" | grep -q "^network,bits,label,accelerator,"; then ok; else bad "cli: compare -o -: CSV"; head -3 "$tmp/out"; fi

# Usage errors: exit 2, one error line and one hint line on stderr.
cli_err() { # cli_err NAME MESSAGE CMD...
    n=$1; m=$2; shift 2
    expect_exit 2 "cli: $n" "$@"
    if grep -qF "$m" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 2 ]; then ok; else
        bad "cli: $n: message"; cat "$tmp/err"; fi
}
cli_err "missing value" "apsim run: error: option '--bits' needs a value" "$APSIM" run alexnet --bits
cli_err "given twice" "apsim run: error: option '--bits' given twice" \
    "$APSIM" run alexnet --bits int8 --bits=int4
cli_err "unknown option" "apsim run: error: unknown option '--frob' (try 'apsim run --help')" \
    "$APSIM" run alexnet --frob
cli_err "--csv is gone" "apsim net: error: unknown option '--csv': the output is -o/--out now" \
    "$APSIM" net alexnet --csv "$tmp/x.csv"
cli_err "flag with a value" "apsim net: error: option '--quiet' takes no value" \
    "$APSIM" net alexnet --quiet=yes
cli_err "too many" "apsim net: error: unexpected argument 'vgg16'" "$APSIM" net alexnet vgg16
cli_err "too few" "apsim net: error: missing <network>" "$APSIM" net
cli_err "run -o -" "apsim run: error: -o/--out names a directory here" "$APSIM" run alexnet -o -
cli_err "fmnist --model on sweep" "apsim fmnist sweep: error: unknown option '--model'" \
    "$APSIM" fmnist sweep --model x.onnx
# -- ends the options: "-x" is then the network (not found: exit 2, a load error).
expect_exit 2 "cli: --" "$APSIM" net -- -x
if grep -q "unknown network '-x'" "$tmp/err"; then ok; else bad "cli: --: positional"; cat "$tmp/err"; fi

# Help: stdout, exit 0, for every command and subcommand; apsim help CMD prints the same.
for c in net run dynamic sweep compare conformance calibrate fmnist export; do
    expect_exit 0 "cli: $c --help" "$APSIM" $c --help
    if grep -q "^usage: apsim $c" "$tmp/out"; then ok; else bad "cli: $c --help: usage"; fi
    cp "$tmp/out" "$tmp/cli_help1"
    expect_exit 0 "cli: help $c" "$APSIM" help $c
    if cmp -s "$tmp/out" "$tmp/cli_help1"; then ok; else bad "cli: help $c differs from --help"; fi
done
for s in train eval sweep; do
    expect_exit 0 "cli: fmnist $s --help" "$APSIM" fmnist $s -h
    if grep -q "^usage: apsim fmnist $s" "$tmp/out"; then ok; else bad "cli: fmnist $s -h: usage"; fi
done
expect_exit 0 "cli: help sweep" "$APSIM" help sweep
if grep -q -- "-o, --out DIR" "$tmp/out"; then ok; else bad "cli: help sweep: --out"; fi
expect_exit 2 "cli: help of an unknown command" "$APSIM" help frobnicate
expect_exit 0 "cli: version --help" "$APSIM" version --help
expect_exit 0 "cli: help --help" "$APSIM" help --help
expect_exit 0 "cli: help --options run" "$APSIM" help --options run
if grep -qx -- "--bits SPEC" "$tmp/out" && grep -qx -- "-o DIR" "$tmp/out"; then ok; else
    bad "cli: help --options run"; cat "$tmp/out"; fi

# The man page: renders without warnings (when man is installed) and names every command and
# every option of every table.
expect_exit 0 "cli: help --man" "$APSIM" help --man
cp "$tmp/out" "$tmp/apsim.1"
if command -v man >/dev/null 2>&1; then
    if [ -z "$(MANWIDTH=80 man --warnings -l "$tmp/apsim.1" 2>&1 >/dev/null)" ]; then ok; else
        bad "cli: man page warnings"; MANWIDTH=80 man --warnings -l "$tmp/apsim.1" 2>&1 >/dev/null | head -5; fi
fi
for c in net run dynamic sweep compare conformance calibrate "fmnist train" "fmnist eval" \
    "fmnist sweep" export; do
    if grep -q "^\.SS \"apsim $c\"" "$tmp/apsim.1"; then ok; else bad "cli: man: no section $c"; fi
    "$APSIM" help --options $c | sed -n 's/^\(--[a-z-]*\).*/\1/p' | while read -r o; do
        r=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q "$r" "$tmp/apsim.1" || echo "$c $o"
    done >"$tmp/man_missing"
    if [ -s "$tmp/man_missing" ]; then bad "cli: man: options missing"; cat "$tmp/man_missing"; else ok; fi
done

# The bash completion: valid, and it completes commands and options from the binary.
if command -v bash >/dev/null 2>&1; then
    if bash -n cli/apsim.bash; then ok; else bad "cli: apsim.bash syntax"; fi
    cli_complete() { # cli_complete WORDS...: the candidates for the last word
        APSIM_BIN=$APSIM bash -c '. cli/apsim.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
            _apsim; printf "%s\n" "${COMPREPLY[@]}"' apsim "$@"
    }
    if [ "$(cli_complete apsim run --b | sort | tr '\n' ' ')" = "--batch --bits " ]; then ok; else
        bad "cli: completion of 'apsim run --b'"; cli_complete apsim run --b; fi
    if cli_complete apsim sw | grep -qx sweep; then ok; else bad "cli: completion of commands"; fi
    if [ "$(cli_complete apsim fmnist ev)" = "eval" ]; then ok; else bad "cli: completion of fmnist"; fi
    if cli_complete apsim fmnist eval --mo | grep -qx -- --model; then ok; else
        bad "cli: completion of fmnist eval options"; fi
fi
# --calib is checked before anything is loaded.
expect_exit 2 "fmnist sweep --calib 0" "$APSIM" fmnist sweep --calib 0
if grep -q "error: --calib: expected a whole number in 1..60000, found '0'" "$tmp/err"; then ok; else
    bad "fmnist sweep --calib 0: message"; cat "$tmp/err"; fi
# A standard output that cannot be written (a full disk: /dev/full) fails the command (exit 3,
# the reason named) instead of reporting success.
if [ -w /dev/full ]; then
    for c in help "run resnet18" "sweep --help"; do
        # shellcheck disable=SC2086
        "$APSIM" $c >/dev/full 2>"$tmp/err"
        if [ $? -eq 3 ] && grep -q "apsim: error: cannot write the standard output: No space left on device" "$tmp/err"; then
            ok; else bad "stdout to /dev/full: $c"; cat "$tmp/err"; fi
    done
fi
