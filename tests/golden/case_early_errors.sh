# case_early_errors.sh - arguments checked before any work (sourced by tests/golden/run.sh):
# fmnist eval rejects its bit spec or technology before training the float model (timeout(1)
# turns minutes of training into a failure here), and a folder named where a shipped name or
# a file goes is called a directory, not an unknown name.
ee=$tmp/early
mkdir -p "$ee/adir"
ee_apsim=$(cd "$(dirname "$APSIM")" && pwd)/$(basename "$APSIM")
early() { # NAME WANT-TEXT ARGS...
    name=$1; want=$2; shift 2
    expect_exit 2 "early error: $name" timeout 20 "$APSIM" "$@"
    if grep -qF -- "$want" "$tmp/err"; then ok; else bad "early error: $name: message"; cat "$tmp/err"; fi
}
if [ -e /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    early "fmnist eval --bits w99a8" "unknown bit configuration 'w99a8'" \
        fmnist eval --bits w99a8 --weights "$ee/none.bin" --test 10 --ap 1
    early "fmnist eval --tech" "unknown technology 'nosuch'" \
        fmnist eval --bits int8 --tech nosuch --weights "$ee/none.bin" --test 10 --ap 1
    if [ ! -e "$ee/none.bin" ]; then ok; else bad "early error: fmnist trained before checking"; fi
fi
(cd "$ee" && "$ee_apsim" run resnet18 --arch adir) >/dev/null 2>"$tmp/err"
if [ $? -eq 2 ] && grep -qF "adir: error: cannot open: is a directory, not a file" "$tmp/err"; then ok; else
    bad "early error: --arch folder"; cat "$tmp/err"; fi
(cd "$ee" && "$ee_apsim" run resnet18 --tech adir) >/dev/null 2>"$tmp/err"
if [ $? -eq 2 ] && grep -qF "adir: error: is a directory, not a file" "$tmp/err"; then ok; else
    bad "early error: --tech folder"; cat "$tmp/err"; fi
# An experiment whose arch: names a missing file: the experiment's position, then the path.
printf 'name: e\nnetworks: [resnet18]\nbits: [int8]\ntechnologies: [sram]\narch: nosuch.yaml\n' >"$ee/e.yaml"
early "experiment arch: missing" "$ee/e.yaml:5:7: error: " sweep "$ee/e.yaml" -o "$ee/out"
if grep -qF "nosuch.yaml" "$tmp/err"; then ok; else bad "early error: arch: path not named"; fi
# 4 kbit of MAP in all (one bank of 32 x 128 bits) cannot hold ResNet18: a capacity error.
sed 's/^  rows: 65536 .*/  rows: 32/; s/^  count: auto .*/  count: 1/' sim/arch/bf_imna.yaml >"$ee/map4k.yaml"
early "4 kbit of MAP" "needs 119.2 Mbit of MAP (weights and two activation buffers), the architecture has 1 banks of 0.004096 Mbit" \
    run resnet18 --arch "$ee/map4k.yaml"
