# fmnist.gp - Fashion-MNIST CNN: EDP per inference against the measured test accuracy (top-1
# on the test images), the AP's static bit configurations as points, each cascade's threshold
# family as a line, each rival (sparq, potacc, bitsys, axbxp) as points at its own measured
# top-1 (its own arithmetic, fmnist/fmnist_rival.c), INT8 and INT4 marked by dotted vertical
# lines. Data: points.csv of 'apsim fmnist sweep'.
# Usage: gnuplot -c plots/fmnist.gp points.csv out.png "static cascade_1 ... rival_1 ..." [title]
# (a series whose name holds "->" is a cascade, drawn as a line; the others as points).
# points.csv columns used: series, mark, top1_pct, edp_js.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Fashion-MNIST: EDP versus measured accuracy"
load "plots/style.gp"
set title TITLE noenhanced
set xlabel "measured top-1 on the Fashion-MNIST test images, each design its own arithmetic (%)"
set ylabel "EDP per inference (J s, log scale)"
set logscale y
set key outside right top vertical title "measured top-1"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
sel(s, v) = (strcol("series") eq s) ? v : NaN
marked(l) = (strcol("mark") eq l) ? column("top1_pct") : NaN
do for [l in "INT8 INT4"] {
    undefine STATS_*
    stats DATA using (marked(l)) nooutput
    if (exists("STATS_records") && STATS_records > 0) {
        set arrow from STATS_max, graph 0 to STATS_max, graph 1 nohead dt 3 lw 1.5 lc rgb "#555555" back
        # INT4 sits left of its line and INT8 right, so the two never overlap.
        if (l eq "INT4") {
            set label sprintf("%s", l) at STATS_max, graph 1 offset -0.4, char -0.9 right font ",12" textcolor rgb "#333333" front
        } else {
            set label sprintf("%s", l) at STATS_max, graph 1 offset 0.4, char -0.9 left font ",12" textcolor rgb "#333333" front
        }
    }
}
# Cascades ("->" in the name) as lines, the AP's static configurations and the rivals as
# points; "static" is the AP's series.
is_line(n) = strstrt(n, "->") > 0
name(n) = (n eq "static") ? "AP (static)" : n
plot for [i=1:words(SERIES)] DATA using (is_line(word(SERIES,i)) ? NaN : \
         sel(word(SERIES,i), column("top1_pct"))):(column("edp_js")) with points lt i pt (i + 4) \
         title (is_line(word(SERIES,i)) ? "" : name(word(SERIES,i))), \
     for [i=1:words(SERIES)] DATA using (is_line(word(SERIES,i)) ? \
         sel(word(SERIES,i), column("top1_pct")) : NaN):(column("edp_js")) with linespoints lt i \
         title (is_line(word(SERIES,i)) ? word(SERIES,i) : "")
