# layer_energy.gp - per-layer energy stacked by hardware component (CAP match lines, search
# lines, writes, leakage, wake-up; MAP access and leakage; bus; controller), layers in network
# order. Each legend entry gives the component's share of the whole network's energy. Tic
# labels carry each layer's bits: "w8a8" for a conv/FC layer (weights/activations), "a16" for
# the others (the element width they run at). Networks of more than 64 layers label only their
# conv/FC layers (every k-th when those are more than 64 too); the other bars keep a plain tic.
# Usage: gnuplot -c plots/layer_energy.gp layers.csv out.png - [title]
# (ARG3, the series list, is unused here.)
# layers.csv columns used: layer, kind, gemm_k, w_bits, a_bits, energy_pj and the nine
# energy_<component>_pj columns (plots/components.gp).
DATA = ARG1
OUT = ARG2
TITLE = (ARGC >= 4) ? ARG4 : "Energy per layer"
load "plots/style.gp"
UNIT = "pj"
load "plots/components.gp"
# The first line is the header (the column names are built at run time, so say it).
set datafile columnheaders
SCALE = 1e-6   # pJ -> uJ

# Layer counts and the share of every component in the network total.
stats DATA using (column("energy_pj")) nooutput
N = STATS_records

TOTAL = STATS_sum
stats DATA using (column("gemm_k") > 0 ? 1 : 0) nooutput
N_GEMM = STATS_sum
array SHARE[N_COMP]
do for [j=1:N_COMP] {
    stats DATA using (comp_val(j)) nooutput
    SHARE[j] = TOTAL > 0 ? 100.0 * STATS_sum / TOTAL : 0
}
# Which rows get a text label: all when few; else conv/FC layers, every K-th of them.
K = (N <= 64 || N_GEMM <= 64) ? 1 : int(ceil(N_GEMM / 64.0))
is_gemm = 'column("gemm_k") > 0'
g = 0
bits_text(dummy) = column("gemm_k") > 0 ? sprintf("w%da%d", column("w_bits"), column("a_bits")) \
                                       : sprintf("a%d", column("a_bits"))
tic_text(dummy) = (column(0) == 0 ? (g = 0) : 0, \
                   column("gemm_k") > 0 ? (g = g + 1) : 0, \
                   (N <= 64) ? strcol("layer")." ".bits_text(0) : \
                   (column("gemm_k") > 0 && (g - 1) % K == 0) ? strcol("layer")." ".bits_text(0) : "")

set title TITLE noenhanced
set ylabel "energy per batch (µJ)"
# The x label sits at the bottom of the canvas (automatic placement follows the longest tic
# label and can fall off it); the bottom margin leaves room for rotated names.
set label 1 sprintf("layer, in network order (%d layers): name and bits; wXaY = weight/activation bits of a conv/FC layer, aY = width of the others", N) \
    at screen 0.5, screen 0.025 center font ",10" noenhanced
set bmargin 12
TICFONT = (N > 40) ? ",8" : ",9"
set xtics rotate by 90 right font TICFONT noenhanced nomirror scale 0.5
set xrange [-0.7:N - 0.3]
set yrange [0:*]
set grid noxtics
set key outside right top vertical
set style fill solid 1.0 border lc rgb "#555555"
set boxwidth 0.8

# Tallest (all components) first; each shorter sum overdraws it, so every box shows one part.
plot DATA using 0:(comp_cum(N_COMP) * SCALE):xtic(tic_text(0)) with boxes lc rgb COMP_COLOUR[N_COMP] \
         title sprintf("%s (%.1f%%)", COMP_TITLE[N_COMP], SHARE[N_COMP]), \
     for [j=N_COMP-1:1:-1] DATA using 0:(comp_cum(j) * SCALE) with boxes lc rgb COMP_COLOUR[j] \
         title sprintf("%s (%.1f%%)", COMP_TITLE[j], SHARE[j])
