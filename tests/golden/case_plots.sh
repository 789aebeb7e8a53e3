# case_plots.sh - every plots/*.gp script draws, without a gnuplot warning, from the golden
# fixtures' outputs (sourced by tests/golden/run.sh): the golden_small sweep (edp_accuracy,
# energy_breakdown, layer_energy), the dynamic_small schedule (dynamic), a sweep over Vdd,
# node and batch (edp_vdd, node, batch) and a Fashion-MNIST points.csv excerpt
# (tests/golden/plots_fmnist_points.csv: a full 'apsim fmnist sweep' takes minutes), all
# through plots/make_plots.sh into a gallery folder. Skipped when gnuplot is not installed.
plots_case() {
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "golden: note: gnuplot not installed: plot cases skipped"
        return
    fi
    pr="$tmp/plots_res"
    expect_exit 0 "plots: sweep golden_small" \
        "$APSIM" sweep tests/golden/golden_small.yaml --out "$pr/golden_small" --quiet
    expect_exit 0 "plots: dynamic_small" \
        "$APSIM" dynamic tests/golden/dynamic_small.yaml --out "$pr/dynamic_small" --quiet
    printf 'name: plots_axes\nnetworks: [resnet18]\nbits: [int8, int4]\ntechnologies: [sram]\nnode_nm: [28, 22]\nvdd_v: [0.8, nominal]\nbatch: [1, 2]\nseries: [bits, technology]\nplots: [batch, node, edp_vdd]\n' \
        >"$tmp/plots_axes.yaml"
    expect_exit 0 "plots: sweep over vdd, node, batch" \
        "$APSIM" sweep "$tmp/plots_axes.yaml" --out "$pr/plots_axes" --quiet
    mkdir -p "$pr/fmnist"
    cp tests/golden/plots_fmnist_points.csv "$pr/fmnist/points.csv"
    echo 'fmnist|points.csv|fmnist_edp_accuracy|Fashion-MNIST excerpt|static int4->int8 int3->int8 sparq' \
        >"$pr/fmnist/plots.list"
    expect_exit 0 "plots: make_plots.sh" sh plots/make_plots.sh "$pr" "$tmp/plots_gal"
    if [ -s "$tmp/err" ]; then bad "plots: gnuplot said something"; head -20 "$tmp/err"; else ok; fi
    for p in golden_small_edp_accuracy golden_small_energy_breakdown golden_small_layer_energy \
        dynamic_small_dynamic_edp_accuracy plots_axes_edp_vdd plots_axes_batch plots_axes_node \
        fmnist_fmnist_edp_accuracy; do
        if [ -s "$tmp/plots_gal/$p.png" ]; then ok; else bad "plots: no $p.png"; fi
    done
    # Every script in plots/ that draws made at least one of them (style.gp and components.gp
    # are loaded by the others).
    for gp in plots/*.gp; do
        name=$(basename "$gp" .gp)
        case "$name" in style | components) continue ;; esac
        if ls "$tmp/plots_gal/"*"$name"*.png >/dev/null 2>&1; then ok; else bad "plots: $gp drew nothing"; fi
    done
}
plots_case
