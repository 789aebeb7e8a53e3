# dynamic.gp - EDP per inference versus average top-1 of run-time precision schedules (one
# curve per design, e.g. a cascade family with the re-run fraction going 0 -> 1) next to the
# static configurations run alone on the AP (labelled points). Written by 'apsim dynamic'.
# Usage: gnuplot -c plots/dynamic.gp family.csv out.png "series1 series2 ..." [title [static.csv]]
# family.csv columns used: series, top1_pct, edp_js_per_input, label; static.csv: label, top1_pct,
# edp_js (both per inference).
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "EDP versus average accuracy"
STATIC = (ARGC >= 5) ? ARG5 : ""
load "plots/style.gp"
set title TITLE noenhanced
set xlabel "ImageNet top-1 accuracy (%), schedule average"
set ylabel "EDP per inference (J·s)"
set format y "%.1e"
set key outside right top vertical
set offsets graph 0.06, graph 0.10, graph 0.08, graph 0.08
sel(s, v) = (strcol("series") eq s) ? v : NaN
# Label only the ends of a family (f=0.00 and f=1.00) to keep the curve readable.
endlabel(l) = (l eq "f=0.00" || l eq "f=1.00") ? l : ""
# Static points first, so the schedule curves are drawn over them; end labels on the first
# series only (a fixed-precision series collapses to one point).
plot for [j=1:(STATIC eq "" ? 0 : 1)] STATIC using (column("top1_pct")):(column("edp_js")) \
         with points lt 8 pt 13 ps 2.2 title "static (AP, one config)", \
     for [j=1:(STATIC eq "" ? 0 : 1)] STATIC using (column("top1_pct")):(column("edp_js")):(strcol("label")) \
         with labels offset char 1.5, char -0.9 font ",11" notitle, \
     for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("top1_pct"))):(column("edp_js_per_input")) \
         with linespoints lt i title word(SERIES,i), \
     DATA using (sel(word(SERIES,1), column("top1_pct"))):(column("edp_js_per_input")):(endlabel(strcol("label"))) \
         with labels offset char 0, char 1.1 font ",10" tc lt 1 notitle
