# csv_close.awk - compares two CSV files field by field: numbers within a relative tolerance
# (tol, default 1e-6), everything else exactly; prints the first differences and exits 1.
# Usage: awk -F, -v tol=1e-6 -f tests/golden/csv_close.awk expected.csv got.csv
function isnum(s) { return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/ }
function abs(x) { return x < 0 ? -x : x }
BEGIN { if (tol == "") tol = 1e-6; bad = 0; nwant = 0; ngot = 0 }
# The expected file by name and as the first file read, not FNR == NR (which an empty expected
# file would leave true for every line of the other file).
FNR == 1 { nfile++ }
FILENAME == ARGV[1] && nfile <= 1 { want[FNR] = $0; nwant = FNR; next }
{
    ngot = FNR
    if (!(FNR in want)) { print "extra line " FNR ": " $0; bad++; next }
    n = split(want[FNR], w, FS)
    if (n != NF) { print "line " FNR ": " NF " fields, want " n; bad++; next }
    for (i = 1; i <= NF; i++) {
        if (isnum(w[i]) && isnum($i)) {
            a = w[i] + 0; b = $i + 0
            m = abs(a) > abs(b) ? abs(a) : abs(b)
            if (abs(a - b) > tol * m) { print "line " FNR " field " i ": " $i ", want " w[i]; bad++ }
        } else if (w[i] != $i) {
            print "line " FNR " field " i ": '" $i "', want '" w[i] "'"; bad++
        }
        if (bad >= 5) exit 1
    }
}
END {
    if (nwant == 0) { print "expected file " ARGV[1] " has no rows"; exit 1 }
    if (bad == 0 && ngot != nwant) { print ngot " lines, want " nwant; bad++ }
    exit bad > 0
}
