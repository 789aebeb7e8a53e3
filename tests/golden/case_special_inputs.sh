# case_special_inputs.sh - inputs that are not regular files (sourced by tests/golden/run.sh):
# a FIFO is refused at once instead of blocking the read, a directory is named as one; each
# is an input error (exit 2) whose message names the path. timeout(1) turns a hang into a
# failure here.
mkfifo "$tmp/fifo.yaml"
mkdir -p "$tmp/adir"
special_input() { # NAME WANT-TEXT ARGS...
    name=$1; want=$2; shift 2
    expect_exit 2 "special input: $name" timeout 20 "$APSIM" "$@"
    if grep -qF "$want" "$tmp/err"; then ok; else bad "special input: $name: message"; cat "$tmp/err"; fi
}
fifo="is not a regular file (a FIFO, device or socket)"
special_input "fifo --bits" "$tmp/fifo.yaml: error: bit configuration file: $fifo" \
    net resnet18 --bits "$tmp/fifo.yaml"
special_input "dir --bits" "$tmp/adir: error: bit configuration file: is a directory, not a file" \
    net resnet18 --bits "$tmp/adir"
special_input "fifo network" "$tmp/fifo.yaml: error: $fifo" run "$tmp/fifo.yaml"
special_input "dir network" "$tmp/adir/: error: is a directory, not a file" run "$tmp/adir/"
special_input "fifo --tech" "$tmp/fifo.yaml: error: $fifo" run resnet18 --tech "$tmp/fifo.yaml"
special_input "fifo --arch" "$tmp/fifo.yaml: error: cannot open: $fifo" run resnet18 --arch "$tmp/fifo.yaml"
special_input "fifo experiment" "$tmp/fifo.yaml: error: cannot open: $fifo" sweep "$tmp/fifo.yaml"
special_input "dir experiment" "$tmp/adir: error: cannot open: is a directory, not a file" sweep "$tmp/adir"
special_input "fifo schedule" "$tmp/fifo.yaml: error: cannot open: $fifo" dynamic "$tmp/fifo.yaml"
special_input "fifo weights" "$tmp/fifo.yaml: error: the weights file: cannot open: $fifo" \
    fmnist eval --bits int8 --weights "$tmp/fifo.yaml" --test 1 --ap 0
