# case_fmnist.sh - golden cases for `apsim fmnist`'s command line (sourced by
# tests/golden/run.sh); training and evaluation themselves are tested in tests/check_fmnist.c.

expect_exit 0 "fmnist --help" "$APSIM" fmnist --help
if grep -q "usage: apsim fmnist train" "$tmp/out"; then ok; else bad "fmnist --help: usage on stdout"; fi
expect_exit 2 "fmnist without a subcommand" "$APSIM" fmnist
if grep -q "usage: apsim fmnist train" "$tmp/err"; then ok; else bad "fmnist: usage on stderr"; fi
expect_exit 2 "fmnist unknown subcommand" "$APSIM" fmnist frobnicate
