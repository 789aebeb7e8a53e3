# case_version.sh - `apsim --version` and `apsim version` (sourced by tests/golden/run.sh): the
# version line, then whether the build has MPI (par_describe, docs/PARALLEL.md). make check
# passes APSIM_MPI_BUILD (the Makefile's MPI, 0 or 1); without it either form is accepted.
# The third line names the data directory in use (docs/DEVELOPING.md, "Finding data").
expect_exit 0 "--version" "$APSIM" --version
cp "$tmp/out" "$tmp/version.out"
case ${APSIM_MPI_BUILD:-} in
1) want_par='^parallel: MPI build \(.+\), 1 rank \(not started by an MPI launcher\)$' ;;
0) want_par='^parallel: serial \(built without MPI\)$' ;;
*) want_par='^parallel: (serial \(built without MPI\)|MPI build \(.+\), 1 rank \(not started by an MPI launcher\))$' ;;
esac
if [ "$(wc -l <"$tmp/version.out")" -eq 3 ] &&
    head -n 1 "$tmp/version.out" | grep -Eq '^apsim [0-9][0-9.]* \(apsim-cost-model [0-9-]+\)$' &&
    sed -n 2p "$tmp/version.out" | grep -Eq "$want_par" &&
    sed -n 3p "$tmp/version.out" | grep -Eq '^data: (.+ \(\$APSIM_DATA\), then )?/'; then ok; else
    bad "--version: lines (APSIM_MPI_BUILD=${APSIM_MPI_BUILD:-unset})"; cat "$tmp/version.out"; fi
expect_exit 0 "version" "$APSIM" version
if cmp -s "$tmp/out" "$tmp/version.out"; then ok; else bad "version: differs from --version"; fi
expect_exit 2 "version with an argument" "$APSIM" version extra
if grep -q "apsim version: error: no arguments expected" "$tmp/err"; then ok; else
    bad "version with an argument: message"; cat "$tmp/err"; fi
# From another directory the data directory is still the one next to the binary.
apsim_abs=$(cd "$(dirname "$APSIM")" && pwd)/$(basename "$APSIM")
(cd / && APSIM_DATA= "$apsim_abs" --version) >"$tmp/out" 2>&1
if sed -n 3p "$tmp/out" | grep -qx "data: $(pwd)"; then ok; else
    bad "version from /: data directory"; cat "$tmp/out"; fi
