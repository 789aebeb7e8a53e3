# dynamic.gp - EDP per inference versus average top-1 of run-time precision schedules (one
# curve per design, e.g. a cascade family with the re-run fraction going 0 -> 1) next to the
# static configurations run alone on the AP (labelled points, names to their right). A
# cascade's plot says what f is under its title and names f = 0, 0.5 and 1 left of the first
# curve. Written by 'apsim dynamic'.
# Usage: gnuplot -c plots/dynamic.gp family.csv out.png "series1 series2 ..." [title [static.csv]]
# family.csv columns used: series, fraction, top1_pct, edp_per_input_js, label; static.csv: label, top1_pct,
# edp_js (both per inference).
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "EDP versus average accuracy"
STATIC = (ARGC >= 5) ? ARG5 : ""
load "plots/style.gp"
set datafile columnheaders
# A cascade family (a fraction per row) says what f is, under the title.
undefine STATS_*
stats DATA using (strlen(strcol("fraction")) > 0 ? 1 : 0) nooutput
CASCADE = exists("STATS_sum") && STATS_sum > 0
FNOTE = "f = fraction of the inputs re-run at the high precision after the low pass\n(accuracy modelled as (1 - f) x top-1(low) + f x top-1(high), docs/DYNAMIC.md)"
set title (CASCADE ? TITLE . "\n" . FNOTE : TITLE) noenhanced
set xlabel "ImageNet top-1 accuracy (%), schedule average"
set ylabel "EDP per inference (J·s)"
set format y "%.1e"
set key outside right top vertical
set offsets graph 0.08, graph 0.12, graph 0.08, graph 0.08
sel(s, v) = (strcol("series") eq s) ? v : NaN
# Name f at the ends and the middle of a family (f=0.00, f=0.50, f=1.00), left of the curve;
# the static points' names sit right of them, so the two never share a place.
flabel(l) = (l eq "f=0.00" || l eq "f=0.50" || l eq "f=1.00") ? "f = ".l[3:] : ""
# Static points first, so the schedule curves are drawn over them; f names on the first series
# only (a fixed-precision series collapses to one point).
plot for [j=1:(STATIC eq "" ? 0 : 1)] STATIC using (column("top1_pct")):(column("edp_js")) \
         with points lt 8 pt 13 ps 2.2 title "static (AP, one config)", \
     for [j=1:(STATIC eq "" ? 0 : 1)] STATIC using (column("top1_pct")):(column("edp_js")):(strcol("label")) \
         with labels left offset char 1.4, char 0 font ",11" notitle, \
     for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("top1_pct"))):(column("edp_per_input_js")) \
         with linespoints lt i title (CASCADE && i == 1 ? word(SERIES,i)." (f = 0 to 1)" : word(SERIES,i)), \
     DATA using (sel(word(SERIES,1), column("top1_pct"))):(column("edp_per_input_js")):(flabel(strcol("label"))) \
         with labels right offset char -1.4, char 0 font ",10" tc lt 1 notitle
