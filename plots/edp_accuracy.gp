# edp_accuracy.gp - EDP versus top-1 accuracy, one series per technology (and accelerator),
# the Pareto front of each series drawn as a dashed line, the INT8 and INT4 accuracies marked
# by dotted vertical lines labelled at the top of the plot.
# Usage: gnuplot -c plots/edp_accuracy.gp points.csv out.png "series1 series2 ..." [title [front.csv]]
# points.csv columns used: series, top1_pct, top1_source, edp_js, label. front.csv holds only
# the Pareto points of each series, sorted by accuracy (written by 'apsim sweep'), with the
# same columns. Rivals' accuracy is not modelled on these networks (top1_source "not
# modelled"): their points stand in a strip left of the measured ones, labelled so.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "EDP versus accuracy"
FRONT = (ARGC >= 5) ? ARG5 : ""
load "plots/style.gp"
# Long titles (the design points' bases) break after " (" and after every "; ".
wrap(s) = (wp = strstrt(s, "; "), wp > 0 ? s[1:wp] . "\n" . wrap(s[wp+2:]) : s)
tp = strstrt(TITLE, " (")
set title (tp > 0 ? TITLE[1:tp-1] . "\n" . wrap(TITLE[tp+1:]) : TITLE) noenhanced
set xlabel "ImageNet top-1 accuracy (%)"
set ylabel "EDP per batch (J·s, log scale)"
set logscale y
set format y "10^{%T}"
set termoption enhanced
set key outside right top vertical
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
sel(s, v) = (strcol("series") eq s) ? v : NaN
# Accuracy of the fixed-precision configurations (NaN when the sweep has none).
fixed_x(l) = (strcol("label") eq l && strcol("status") eq "ok") ? column("top1_pct") : NaN
do for [l in "INT8 INT4"] {
    undefine STATS_*
    stats DATA using (fixed_x(l)) nooutput
    if (exists("STATS_records") && STATS_records > 0) {
        set arrow from STATS_max, graph 0 to STATS_max, graph 1 nohead dt 3 lw 1.5 lc rgb "#555555" back
        set label sprintf("%s", l) at STATS_max, graph 1 offset 0.4, char -0.9 left font ",12" textcolor rgb "#333333" front
    }
}
# The strip for points whose accuracy is not modelled: left of every modelled point.
undefine STATS_*
stats DATA using (strcol("top1_source") eq "not modelled" ? NaN : column("top1_pct")) nooutput
GAP = (exists("STATS_records") && STATS_records > 0) ? 0.15 * (STATS_max - STATS_min + 4) : 1
XNM = (exists("STATS_records") && STATS_records > 0) ? STATS_min - GAP : 0
undefine STATS_*
stats DATA using (strcol("top1_source") eq "not modelled" ? 1 : NaN) nooutput
if (exists("STATS_records") && STATS_records > 0) {
    set arrow from XNM + GAP / 2, graph 0 to XNM + GAP / 2, graph 1 nohead dt 1 lw 0.5 lc rgb "#999999" back
    set label "accuracy\nnot modelled" at XNM, graph 0.04 center font ",10" textcolor rgb "#555555" front
}
acc(dummy) = strcol("top1_source") eq "not modelled" ? XNM : column("top1_pct")
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), acc(0))):(column("edp_js")) \
         with points lt i title word(SERIES,i), \
     for [i=1:(FRONT eq "" ? 0 : words(SERIES))] FRONT using (sel(word(SERIES,i), column("top1_pct"))):(column("edp_js")) \
         with lines lt i dt 2 lw 1.5 notitle, \
     (FRONT eq "" ? NaN : 1/0) with lines lc rgb "#555555" dt 2 lw 1.5 title "Pareto front"
