#!/bin/sh
# install_check.sh - make install-check: installs apsim into a fresh temporary prefix and uses
# it from / as a user would: the installed binary finds its shipped networks, an installed
# experiment sweeps into a temporary folder, apsim-plot draws from those results, the man page
# renders, a program builds against the AP library through pkg-config and runs; then make
# uninstall must leave the prefix empty. Also checks that DESTDIR stages the same tree.
# Prints one line per check and "install-check: N passed, N failed"; exit 1 on any failure.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/apsim_install_XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "install-check: ok: $1"; }
bad() { fail=$((fail + 1)); echo "install-check: FAIL: $1"; [ ! -s "$tmp/log" ] || tail -n 20 "$tmp/log"; }
check() { # check NAME COMMAND...: runs COMMAND from /, output in $tmp/log
    name=$1
    shift
    if (cd / && "$@") >"$tmp/log" 2>&1; then ok "$name"; else bad "$name"; fi
}

check "make install PREFIX=$prefix" make -C "$src" --no-print-directory install PREFIX="$prefix"
check "apsim run resnet18 from /" "$prefix/bin/apsim" run resnet18
check "apsim --version names the installed data" \
    sh -c "'$prefix/bin/apsim' --version | grep -qx 'data: $prefix/share/apsim'"
check "apsim sweep an installed experiment from /" "$prefix/bin/apsim" sweep \
    "$prefix/share/apsim/experiments/resnet18_hawq.yaml" --out "$tmp/results/resnet18_hawq" --quiet
check "apsim-plot draws from those results" "$prefix/bin/apsim-plot" "$tmp/results"
check "the EDP-accuracy PNG exists" test -s "$tmp/results/resnet18_hawq/edp_accuracy.png"
if command -v man >/dev/null 2>&1; then
    check "the man page renders" man -l "$prefix/share/man/man1/apsim.1"
    # man finds the page from PATH alone (man-db maps <prefix>/bin to <prefix>/share/man).
    check "man apsim finds it with the prefix on PATH" \
        sh -c "PATH='$prefix/bin':\$PATH MANPATH= man -w apsim | grep -qx '$prefix/share/man/man1/apsim.1'"
else
    echo "install-check: skipped: man page (no man command)"
fi
check "the bash completion completes 'apsim ru' to run" bash -c \
    ". '$prefix/share/bash-completion/completions/apsim'; PATH='$prefix/bin':\$PATH;
     COMP_WORDS=(apsim ru); COMP_CWORD=1; _apsim; [ \"\${COMPREPLY[*]}\" = run ]"
pc="env PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config"
check "a program builds against the AP library (pkg-config apsim-ap)" sh -c \
    "${CC:-cc} -std=c11 -o '$tmp/ap_add' '$src/docs/examples/ap_add.c' \$($pc --cflags --libs apsim-ap)"
check "that program runs" "$tmp/ap_add"
check "make uninstall" make -C "$src" --no-print-directory uninstall PREFIX="$prefix"
check "the prefix is left empty" sh -c "[ -z \"\$(find '$prefix' -mindepth 1)\" ]"
check "make install DESTDIR=... stages under DESTDIR" \
    make -C "$src" --no-print-directory install DESTDIR="$tmp/stage" PREFIX=/opt/apsim
check "the staged binary finds its data" "$tmp/stage/opt/apsim/bin/apsim" run resnet18
check "the staged pkg-config file names the final prefix" \
    grep -qx 'prefix=/opt/apsim' "$tmp/stage/opt/apsim/lib/pkgconfig/apsim-ap.pc"
echo "install-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
