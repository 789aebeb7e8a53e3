# case_odd_names.sh - names holding ',' '|' and '"' (sourced by tests/golden/run.sh): every
# CSV row of net, run, compare and sweep keeps its header's field count (one RFC 4180
# escaper, base_csv), and every plots.list line keeps its 5 or 6 '|' fields.
on=$tmp/odd
mkdir -p "$on"
sed 's/^name: resnet18/name: "res,net|\\"18\\""/; s/{name: init_block.conv,/{name: "init,block|\\"conv\\"",/' \
    networks/resnet18.yaml >"$on/odd.yaml"
cat >"$on/exp.yaml" <<EOT
name: odd
networks: [odd.yaml, resnet18]
bits: [int8, int4]
accuracy: {int8: 71.56, int4: 68.45}
technologies: [sram]
vdd_v: [nominal]
batch: [1]
accelerators: [ap, bitsys]
plots: [edp_accuracy, layer_energy]
layers_for: {bits: int8}
EOT
expect_exit 0 "odd names: net" "$APSIM" net "$on/odd.yaml" -o "$on/net.csv"
expect_exit 0 "odd names: run" "$APSIM" run "$on/odd.yaml" -o "$on/run" -q
expect_exit 0 "odd names: compare" "$APSIM" compare "$on/odd.yaml" -o "$on/compare.csv"
expect_exit 0 "odd names: sweep" "$APSIM" sweep "$on/exp.yaml" -o "$on/sweep" -q
# fields FILE: the field count of each line, quoted fields (with "" inside) counted as one.
fields() {
    sed 's/"\([^"]\|""\)*"/Q/g' "$1" | awk -F, '{print NF}' | sort -u
}
for f in "$on/net.csv" "$on/run/layers.csv" "$on/run/summary.csv" "$on/compare.csv" \
    "$on/sweep/points.csv" "$on/sweep/front.csv" "$on/sweep/layers.csv"; do
    if [ "$(fields "$f" | wc -l)" -eq 1 ] &&
        { grep -qF '"res,net|""18"""' "$f" || grep -qF '"init,block|""conv"""' "$f"; }; then ok; else
        bad "odd names: $f: rows of other lengths"; fields "$f"; head -3 "$f"; fi
done
if awk -F'|' 'NF < 5 || NF > 6 { exit 1 }' "$on/sweep/plots.list" &&
    [ "$(wc -l <"$on/sweep/plots.list")" -eq 3 ] && grep -q '^edp_accuracy|points.csv|edp_accuracy_res_net__18_|' "$on/sweep/plots.list"; then ok; else
    bad "odd names: plots.list"; cat "$on/sweep/plots.list"; fi
