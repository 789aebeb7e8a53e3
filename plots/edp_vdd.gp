# edp_vdd.gp - latency, energy and EDP per batch versus supply voltage, one line per
# series (network/config/technology): three panels side by side and one legend below them.
# Usage: gnuplot -c plots/edp_vdd.gp points.csv out.png "series1 series2 ..." [title]
# points.csv columns used: series, vdd_v, latency_ms, energy_mj, edp_js (per batch; the
# shipped voltage experiment runs batch 1, so per inference).
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Voltage scaling"
load "plots/style.gp"
set termoption enhanced
# Room at the bottom for the legend: one row per three series.
ROWS = int((words(SERIES) + 2) / 3)
BOTTOM = 0.16 + 0.045 * ROWS
set multiplot title TITLE noenhanced
set key off
sel(s, v) = (strcol("series") eq s) ? v : NaN
set xlabel "logic supply Vdd (V)"
set logscale y
set format y "10^{%T}"
set bmargin at screen BOTTOM
set tmargin at screen 0.9
# panel(i): left and right edges of the i-th of three panels, in screen coordinates.
left(i) = 0.08 + (i - 1) * 0.32
set lmargin at screen left(1)
set rmargin at screen left(1) + 0.24
set ylabel "latency per batch (ms, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("latency_ms")) \
    smooth unique with linespoints lt i notitle
set lmargin at screen left(2)
set rmargin at screen left(2) + 0.24
set ylabel "energy per batch (mJ, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("energy_mj")) \
    smooth unique with linespoints lt i notitle
set lmargin at screen left(3)
set rmargin at screen left(3) + 0.24
set ylabel "EDP per batch (J·s, log scale)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("edp_js")) \
    smooth unique with linespoints lt i notitle
# The legend: an empty plot across the bottom whose only content is the key.
unset logscale y
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
