# fmnist.gp - Fashion-MNIST CNN: EDP per inference against the measured test accuracy (top-1
# on the test images), the AP's static bit configurations as points, each cascade's threshold
# family as a line, each rival (sparq, potacc, bitsys, axbxp) as points at its own measured
# top-1 (its own arithmetic, fmnist/fmnist_rival.c), INT8 and INT4 marked by dotted vertical
# lines; the accuracy axis zoomed to the data (at most 30 points below the best, the points
# below it at its edge, named). Data: points.csv of 'apsim fmnist sweep'.
# Usage: gnuplot -c plots/fmnist.gp points.csv out.png "static cascade_1 ... rival_1 ..." [title]
# (a series whose name holds "->" is a cascade, drawn as a line; the others as points).
# points.csv columns used: series, design, config, mark, top1_pct, edp_js.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Fashion-MNIST: EDP versus measured accuracy"
load "plots/style.gp"
# A long title breaks after its first ": ".
tp = strstrt(TITLE, ": ")
set title (tp > 0 ? TITLE[1:tp] . "\n" . TITLE[tp+2:] : TITLE) noenhanced
set xlabel "measured top-1 on the Fashion-MNIST test images, each design its own arithmetic (%)"
set ylabel "EDP per inference (J·s, log scale)"
set logscale y
set key outside right top vertical title "measured top-1"
set offsets 0, 0, 0, 0
# Whole decades around the EDPs.
stats DATA using (column("edp_js")) nooutput
YLO = 10**floor(log10(STATS_min))
YHI = 10**ceil(log10(STATS_max))
set format y "10^{%T}"
set termoption enhanced
sel(s, v) = (strcol("series") eq s) ? v : NaN
# The accuracy axis spans the data with a margin, but no more than 30 points below the best:
# a configuration that collapses (int2 at chance level) would otherwise squeeze all others
# into a sliver. Points below the axis stand at its left edge as open triangles, named with
# their top-1.
stats DATA using (column("top1_pct")) nooutput
XTOP = STATS_max
XLOW = (STATS_min > XTOP - 30) ? STATS_min : XTOP - 30
XM = 0.05 * (XTOP - XLOW + 1)
set xrange [XLOW - XM:XTOP + XM]
OFF = XLOW - XM * 0.5
N_OFF = 0
stats DATA using (column("top1_pct") < XLOW ? 1 : 0) nooutput
N_OFF = STATS_sum
marked(l) = (strcol("mark") eq l) ? column("top1_pct") : NaN
do for [l in "INT8 INT4"] {
    undefine STATS_*
    stats DATA using (marked(l)) nooutput
    if (exists("STATS_records") && STATS_records > 0) {
        set arrow from STATS_max, graph 0 to STATS_max, graph 1 nohead dt 3 lw 1.5 lc rgb "#555555" back
        # Both names sit left of their lines (INT8's line is near the right edge).
        set label sprintf("%s", l) at STATS_max, graph 1 offset -0.4, char -0.9 right font ",12" textcolor rgb "#333333" front
    }
}
# Cascades ("->" in the name) as lines, the AP's static configurations and the rivals as
# points; "static" is the AP's series.
set yrange [YLO:YHI]
is_line(n) = strstrt(n, "->") > 0
name(n) = (n eq "static") ? "AP (static)" : n
offname(dummy) = sprintf("%s %s %.1f%%", strcol("accelerator"), strcol("bits"), column("top1_pct"))
plot for [i=1:words(SERIES)] DATA using (is_line(word(SERIES,i)) ? NaN : \
         sel(word(SERIES,i), column("top1_pct"))):(column("edp_js")) with points lt i pt (i + 4) \
         title (is_line(word(SERIES,i)) ? "" : name(word(SERIES,i))), \
     for [i=1:words(SERIES)] DATA using (is_line(word(SERIES,i)) ? \
         sel(word(SERIES,i), column("top1_pct")) : NaN):(column("edp_js")) with linespoints lt i \
         title (is_line(word(SERIES,i)) ? word(SERIES,i) : ""), \
     for [k=1:(N_OFF > 0 ? 1 : 0)] DATA using (column("top1_pct") < XLOW ? OFF : NaN):(column("edp_js")) \
         with points pt 10 ps 1.6 lc rgb "#444444" title sprintf("below %.0f%% (top-1 named)", XLOW), \
     for [k=1:(N_OFF > 0 ? 1 : 0)] DATA using (column("top1_pct") < XLOW ? OFF : NaN):(column("edp_js")):(offname(0)) \
         with labels left offset char 1.2, char 0 font ",9" notitle
