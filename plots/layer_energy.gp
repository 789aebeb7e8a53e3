# layer_energy.gp - per-layer energy stacked by hardware component (CAP match lines, search
# lines, writes, leakage, wake-up; MAP access and leakage; bus; controller) as horizontal
# bars, layers in network order from the top, on a tall canvas so that every layer's name
# reads. Each tic label carries the layer's bits: "w8a8" for a conv/FC layer
# (weights/activations), "a16" for the others (the element width they run at). Each legend
# entry gives the component's share of the whole network's energy. Networks of more than 80
# layers label only their conv/FC layers (every k-th when those are more than 80 too).
# Usage: gnuplot -c plots/layer_energy.gp layers.csv out.png - [title]
# (ARG3, the series list, is unused here.)
# layers.csv columns used: layer, gemm_k, w_bits, a_bits, energy_mj and the nine
# energy_<component>_mj columns (plots/components.gp).
DATA = ARG1
OUT = ARG2
TITLE = (ARGC >= 4) ? ARG4 : "Energy per layer"
load "plots/style.gp"
UNIT = "mj"
load "plots/components.gp"
# The first line is the header (the column names are built at run time, so say it).
set datafile columnheaders

# Layer counts and the share of every component in the network total.
stats DATA using (column("energy_mj")) nooutput
N = STATS_records
TOTAL = STATS_sum
stats DATA using (column("gemm_k") > 0 ? 1 : 0) nooutput
N_GEMM = STATS_sum
array SHARE[N_COMP]
do for [j=1:N_COMP] {
    stats DATA using (comp_val(j)) nooutput
    SHARE[j] = TOTAL > 0 ? 100.0 * STATS_sum / TOTAL : 0
}
# A tall canvas: about 16 pixels a layer (PNG; the SVG scales the same way).
H = 260 + 16 * N
if (OUT[strlen(OUT)-3:] eq ".svg") {
    set terminal svg size 900, (H * 0.75) dynamic font "DejaVu Sans,12" background rgb "white"
} else {
    set terminal pngcairo size 1200, H font "DejaVu Sans,13" background rgb "white"
}
set output OUT

# Which rows get a text label: all when few; else conv/FC layers, every K-th of them.
K = (N <= 80 || N_GEMM <= 80) ? 1 : int(ceil(N_GEMM / 80.0))
g = 0
bits_text(dummy) = column("gemm_k") > 0 ? sprintf("w%da%d", column("w_bits"), column("a_bits")) \
                                       : sprintf("a%d", column("a_bits"))
tic_text(dummy) = (column(0) == 0 ? (g = 0) : 0, \
                   column("gemm_k") > 0 ? (g = g + 1) : 0, \
                   (N <= 80) ? strcol("layer")."  ".bits_text(0) : \
                   (column("gemm_k") > 0 && (g - 1) % K == 0) ? strcol("layer")."  ".bits_text(0) : "")

set title TITLE noenhanced
set xlabel "energy per batch (mJ)"
set ylabel sprintf("layer (%d, in network order) and its bits", N) noenhanced
set label 1 "bits: wXaY = weight/activation bits of a conv/FC layer, aY = element width of the others" \
    at screen 0.5, screen 0.012 center font ",10" noenhanced
set bmargin 4.5
set ytics font ",10" noenhanced nomirror scale 0.5
set yrange [N - 0.4:-0.6]
set xrange [0:*]
set offsets 0, graph 0.02, 0, 0
set grid xtics noytics
set key inside right bottom vertical title "component (share of the network's energy)" noenhanced font ",11"
set style fill solid 1.0 border lc rgb "#555555"

# Component j of row i spans comp_cum(j - 1)..comp_cum(j) along x, i - 0.4..i + 0.4 along y;
# the first component's bars carry the tic labels.
plot DATA using ((comp_cum(1)) / 2):0:(0):(comp_cum(1)):($0 - 0.4):($0 + 0.4):yticlabels(tic_text(0)) \
         with boxxyerror lc rgb COMP_COLOUR[1] title sprintf("%s (%.1f%%)", COMP_TITLE[1], SHARE[1]), \
     for [j=2:N_COMP] DATA using ((comp_cum(j - 1) + comp_cum(j)) / 2):0: \
         (comp_cum(j - 1)):(comp_cum(j)):($0 - 0.4):($0 + 0.4) \
         with boxxyerror lc rgb COMP_COLOUR[j] title sprintf("%s (%.1f%%)", COMP_TITLE[j], SHARE[j])
