# node.gp - energy per inference, latency and EDP per batch versus CMOS node, one line per
# series (bits/technology): three panels side by side and one legend below them. Nodes run
# from the largest on the left to the smallest on the right, on a log scale.
# Usage: gnuplot -c plots/node.gp points.csv out.png "series1 series2 ..." [title]
# points.csv columns used: series, node_nm, energy_per_inf_mj, latency_ms, edp_js (the
# shipped node experiment runs batch 1, so latency and EDP are per inference).
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Node scaling"
load "plots/style.gp"
set termoption enhanced
ROWS = int((words(SERIES) + 2) / 3)
BOTTOM = 0.16 + 0.045 * ROWS
set multiplot title TITLE noenhanced
set key off
sel(s, v) = (strcol("series") eq s) ? v : NaN
set xlabel "CMOS node (nm, log scale)" offset 0, -0.7
set logscale x
set xrange [50:6] reverse
# 28 nm sits next to 32 on the log axis: its name goes one line lower.
set xtics ("45" 45, "32" 32, "\n28" 28, "22" 22, "16" 16, "7" 7)
set logscale y
set format y "10^{%T}"
set bmargin at screen BOTTOM
set tmargin at screen 0.9
left(i) = 0.08 + (i - 1) * 0.32
set lmargin at screen left(1)
set rmargin at screen left(1) + 0.24
set ylabel "energy per inference (mJ, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("node_nm"))):(column("energy_per_inf_mj")) \
    with linespoints lt i notitle
set lmargin at screen left(2)
set rmargin at screen left(2) + 0.24
set ylabel "latency per batch (ms, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("node_nm"))):(column("latency_ms")) \
    with linespoints lt i notitle
set lmargin at screen left(3)
set rmargin at screen left(3) + 0.24
set ylabel "EDP per batch (J·s, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("node_nm"))):(column("edp_js")) \
    with linespoints lt i notitle
# The legend: an empty plot across the bottom whose only content is the key.
unset logscale x
unset logscale y
unset xlabel
unset ylabel
unset tics
unset border
unset grid
set xrange [0:1] noreverse
set yrange [0:1]
set lmargin at screen 0.05
set rmargin at screen 0.95
set bmargin at screen 0.01
set tmargin at screen BOTTOM - 0.09
set key center center horizontal maxcols 3 width 2 noenhanced
plot for [i=1:words(SERIES)] NaN with linespoints lt i title word(SERIES,i)
unset multiplot
