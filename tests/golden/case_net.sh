# case_net.sh - golden cases for `apsim net` (sourced by tests/golden/run.sh, which defines
# $APSIM, $tmp, ok, bad and expect_exit). CSV and table outputs are integers or fixed
# decimals printed in the C locale, so they are compared exactly (tolerance 0).

expect_exit 0 "net resnet18 HAWQ latency_0.5 csv" \
    "$APSIM" net resnet18 --bits resnet18_latency_0.5 --out "$tmp/net_r18.csv" --quiet
expect_same "net resnet18 latency_0.5 csv" "$tmp/net_r18.csv" \
    tests/golden/net_resnet18_latency_0.5.csv.expected

expect_exit 0 "net alexnet int8 csv" "$APSIM" net alexnet --bits int8 --out "$tmp/net_alex.csv"
expect_same "net alexnet int8 csv" "$tmp/net_alex.csv" tests/golden/net_alexnet_int8.csv.expected

expect_exit 0 "net resnet18 uniform4 table" \
    "$APSIM" net networks/resnet18.yaml --bits networks/hawq_v3/resnet18_uniform4.yaml
expect_same "net resnet18 uniform4 table" "$tmp/out" tests/golden/net_resnet18_uniform4.expected

expect_exit 0 "net help" "$APSIM" net --help
expect_exit 2 "net without a network" "$APSIM" net
expect_exit 2 "net unknown option" "$APSIM" net resnet18 --frobnicate
expect_exit 2 "net unknown network" "$APSIM" net resnet19
expect_exit 2 "net unknown bit configuration" "$APSIM" net resnet18 --bits int99

# A bit file with a value out of 1..16: exit 2, file:line:col on stderr, no CSV left behind.
printf 'default: {w: 8, a: 8}\nlayers:\n  conv3: {w: 17}\n' >"$tmp/bad_bits.yaml"
expect_exit 2 "net bits out of range" \
    "$APSIM" net alexnet --bits "$tmp/bad_bits.yaml" --out "$tmp/net_bad.csv"
if grep -q "bad_bits.yaml:3:14: error: value 17 is outside 1..16" "$tmp/err"; then ok; else
    bad "net bits out of range: message"; cat "$tmp/err"; fi
if [ -e "$tmp/net_bad.csv" ]; then bad "net bits out of range: CSV written"; else ok; fi

# A HAWQ file missing a layer's key names the layer and the HAWQ key.
grep -v 'stage3.unit1.quant_convbn2:' networks/hawq_v3/resnet18_uniform8.yaml >"$tmp/h.yaml"
expect_exit 2 "net HAWQ missing layer" "$APSIM" net resnet18 --bits "$tmp/h.yaml"
if grep -q "h.yaml:12:1: error: missing weight bits for layer 'stage3.unit1.conv2'" "$tmp/err"
then ok; else bad "net HAWQ missing layer: message"; cat "$tmp/err"; fi

# A network whose residual operands do not match is a shape error.
printf 'name: bad\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n  - {name: s, type: add, inputs: [c, input]}\n' >"$tmp/bad_net.yaml"
expect_exit 2 "net residual shape mismatch" "$APSIM" net "$tmp/bad_net.yaml"
if grep -q "bad_net.yaml:5:34: error: layer 's': add operands differ: 4x8x8 and 3x8x8" "$tmp/err"
then ok; else bad "net residual shape mismatch: message"; cat "$tmp/err"; fi
