# batch.gp - throughput (inferences per second) and energy per inference versus batch size,
# one line per series (network/config/technology), two panels and one legend below them.
# Usage: gnuplot -c plots/batch.gp points.csv out.png "series1 series2 ..." [title]
# points.csv columns used: series, batch, inferences_per_s, energy_per_inf_mj.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Batch size"
load "plots/style.gp"
set termoption enhanced
ROWS = int((words(SERIES) + 2) / 3)
BOTTOM = 0.16 + 0.045 * ROWS
set multiplot title TITLE noenhanced
set key off
sel(s, v) = (strcol("series") eq s) ? v : NaN
set xlabel "batch size (images, log scale)"
set logscale x 2
set logscale y
set format y "10^{%T}"
set bmargin at screen BOTTOM
set tmargin at screen 0.9
set lmargin at screen 0.09
set rmargin at screen 0.47
set ylabel "throughput (inferences/s, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("batch"))):(column("inferences_per_s")) \
    smooth unique with linespoints lt i notitle
set lmargin at screen 0.59
set rmargin at screen 0.97
set ylabel "energy per inference (mJ, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("batch"))):(column("energy_per_inf_mj")) \
    smooth unique with linespoints lt i notitle
unset logscale
unset xlabel
unset ylabel
unset tics
unset border
unset grid
set xrange [0:1]
set yrange [0:1]
set lmargin at screen 0.05
set rmargin at screen 0.95
set bmargin at screen 0.01
set tmargin at screen BOTTOM - 0.09
set key center center horizontal maxcols 3 width 2 noenhanced
plot for [i=1:words(SERIES)] NaN with linespoints lt i title word(SERIES,i)
unset multiplot
