# edp_accuracy.gp - EDP versus top-1 accuracy, one series per technology (and accelerator),
# the Pareto front of each series drawn as a line, INT8 and INT4 points labelled.
# Usage: gnuplot -c plots/edp_accuracy.gp points.csv out.png "series1 series2 ..." [title [front.csv]]
# points.csv columns used: series, top1_pct, edp_js, label. front.csv holds only the Pareto
# points of each series, sorted by accuracy (written by 'apsim sweep'), with the same columns.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "EDP versus accuracy"
FRONT = (ARGC >= 5) ? ARG5 : ""
load "plots/style.gp"
set title TITLE noenhanced
set xlabel "ImageNet top-1 accuracy (%)"
set ylabel "EDP per inference (J·s, log scale)"
set logscale y
set format y "10^{%T}"
set termoption enhanced
set key outside right top vertical
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
sel(s, v) = (strcol("series") eq s) ? v : NaN
isfixed(l) = (l eq "INT8" || l eq "INT4")
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("top1_pct"))):(column("edp_js")) \
         with points lt i title word(SERIES,i), \
     for [i=1:(FRONT eq "" ? 0 : words(SERIES))] FRONT using (sel(word(SERIES,i), column("top1_pct"))):(column("edp_js")) \
         with lines lt i dt 2 notitle, \
     DATA using (column("top1_pct")):(column("edp_js")):(isfixed(strcol("label")) ? strcol("label") : "") \
         with labels offset char 1.2, char 0.8 font ",11" notitle
