# edp_accuracy.gp - EDP versus top-1 accuracy: one point style per series (accelerator and
# technology) with a legend, the Pareto front of each network across all technologies and
# accelerators drawn as one solid line from front.csv ("Pareto front"), and every bit
# configuration marked by a dotted vertical line at its accuracy, named at the top of the plot
# (INT8, INT4, and the mixed ones by their label, or their scheme name when the label is
# "mixed"), names staggered into rows so that close configurations do not overlap.
# Usage: gnuplot -c plots/edp_accuracy.gp points.csv out.png "series1 series2 ..." [title [front.csv]]
# points.csv columns used: series, network, bits, label, status, top1_pct, top1_source, edp_js.
# front.csv holds only the Pareto rows (pareto = true), sorted by edp_js, same columns.
# Only rows of the series given are drawn, so a sweep of several networks gives one plot per
# network. Rivals' accuracy is not modelled on these networks (top1_source "not modelled"):
# their points stand in a strip left of the measured ones, labelled so.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "EDP versus accuracy"
FRONT = (ARGC >= 5) ? ARG5 : ""
load "plots/style.gp"
set datafile columnheaders
# Long titles (the design points' bases) break after " (" and after every "; ".
wrap(s) = (wp = strstrt(s, "; "), wp > 0 ? s[1:wp] . "\n" . wrap(s[wp+2:]) : s)
tp = strstrt(TITLE, " (")
TITLE_TEXT = tp > 0 ? TITLE[1:tp-1] . "\n" . wrap(TITLE[tp+1:]) : TITLE
set title TITLE_TEXT noenhanced
set xlabel "ImageNet top-1 accuracy (%)"
set ylabel "EDP per batch (J·s, log scale)"
set termoption enhanced
set key outside right top vertical
sel(s, v) = (strcol("series") eq s) ? v : NaN
has(list, w) = strstrt(" ".list." ", " ".w." ") > 0
plotted(dummy) = has(SERIES, strcol("series")) && strcol("status") eq "ok"
modelled(dummy) = strcol("top1_source") ne "not modelled" && strlen(strcol("top1_pct")) > 0

# Pass 1: the networks of the plotted rows, and the configurations with a modelled accuracy:
# their display names and accuracies, in file order (no duplicates).
NETS = ""
CFG_KEYS = ""
N_CFG = 0
N_MOD = 0
N_NM = 0
array CFG_X[64]
array CFG_NAME[64]
cfgname(dummy) = strcol("label") eq "mixed" ? strcol("bits") : strcol("label")
note(dummy) = (modelled(0) ? (N_MOD = N_MOD + 1) : (N_NM = N_NM + 1), has(NETS, strcol("network")) ? 0 : (NETS = NETS." ".strcol("network")), \
               modelled(0) && N_CFG < 64 && !has(CFG_KEYS, cfgname(0)."@".strcol("top1_pct")) ? \
               (CFG_KEYS = CFG_KEYS." ".cfgname(0)."@".strcol("top1_pct"), N_CFG = N_CFG + 1, \
                CFG_X[N_CFG] = column("top1_pct"), CFG_NAME[N_CFG] = cfgname(0), 0) : 0, 1)
stats DATA using (plotted(0) ? note(0) : 0) nooutput

# The x range: the modelled accuracies, a strip left of them for the unmodelled points, and
# a margin either side.
HAVE_X = N_MOD > 0
if (HAVE_X) { stats DATA using (plotted(0) && modelled(0) ? column("top1_pct") : NaN) nooutput }
XLO = HAVE_X ? STATS_min : 0
XHI = HAVE_X ? STATS_max : 1
GAP = 0.15 * (XHI - XLO + 4)
XNM = XLO - GAP
HAVE_NM = N_NM > 0
XMIN = (HAVE_NM ? XNM : XLO) - 0.06 * (XHI - (HAVE_NM ? XNM : XLO) + 1)
XMAX = XHI + 0.06 * (XHI - (HAVE_NM ? XNM : XLO) + 1)
set xrange [XMIN:XMAX]
# x tics: a round step giving at most about 8 tics over the modelled accuracies, starting
# right of the strip, whose own tic says "not modelled".
SPAN = XHI - XLO
XSTEP = SPAN <= 4 ? 0.5 : SPAN <= 8 ? 1 : SPAN <= 16 ? 2 : SPAN <= 40 ? 5 : 10
XSTART = HAVE_NM ? XSTEP * ceil((XNM + GAP / 2) / XSTEP) : XSTEP * floor(XMIN / XSTEP)
set xtics XSTART, XSTEP
if (HAVE_NM) {
    set arrow from XNM + GAP / 2, graph 0 to XNM + GAP / 2, graph 1 nohead dt 1 lw 0.5 lc rgb "#999999" back
    set xtics add ("accuracy\nnot modelled" XNM)
}

# The y range: whole decades around the plotted EDPs, one tic per decade (or per 2 or 3
# decades when they are many), minor tics between.
HAVE_Y = N_MOD + N_NM > 0
if (HAVE_Y) { stats DATA using (plotted(0) ? column("edp_js") : NaN) nooutput }
HAVE_Y = HAVE_Y && STATS_min > 0
YLO = HAVE_Y ? 10**floor(log10(STATS_min)) : 1e-6
YHI = HAVE_Y ? 10**ceil(log10(STATS_max)) : 1
YHI = (YHI <= YLO) ? YLO * 10 : YHI
DEC = int(log10(YHI / YLO) + 0.5)
set logscale y
set yrange [YLO:YHI]
YSTEP = DEC > 9 ? 10**(int((DEC + 8) / 9)) : 10
set ytics YSTEP
set mytics 10
set format y "10^{%T}"

# Sort the configurations by accuracy, then give each name the first row (from the bottom,
# above the plot) whose last name ends left of it: CHAR is the width of one character in x units (the plot
# spans about 64% of the 1200-pixel canvas; its names are about 7.5 pixels a character).
do for [i=2:N_CFG] {
    do for [j=i:2:-1] {
        if (CFG_X[j] < CFG_X[j-1]) {
            t = CFG_X[j]; CFG_X[j] = CFG_X[j-1]; CFG_X[j-1] = t
            s = CFG_NAME[j]; CFG_NAME[j] = CFG_NAME[j-1]; CFG_NAME[j-1] = s
        }
    }
}
CHAR = (XMAX - XMIN) * 7.5 / (0.64 * 1200)
array ROW_END[6] = [-1e30, -1e30, -1e30, -1e30, -1e30, -1e30]
ROWS = 0
do for [i=1:N_CFG] {
    r = 1
    while (r < 6 && ROW_END[r] > CFG_X[i] - strlen(CFG_NAME[i]) / 2.0 * CHAR) { r = r + 1 }
    ROW_END[r] = CFG_X[i] + (strlen(CFG_NAME[i]) / 2.0 + 1) * CHAR
    set arrow from CFG_X[i], graph 0 to CFG_X[i], graph 1 nohead dt 3 lw 1.2 lc rgb "#777777" back
    set label CFG_NAME[i] at CFG_X[i], graph 1 offset 0, char (0.7 + 1.1 * (r - 1)) center \
        font ",10" textcolor rgb "#333333" front noenhanced
    ROWS = (r > ROWS) ? r : ROWS
}
# Room above the plot for the title's lines and the rows of names.
nlines(s) = (p = strstrt(s, "\n"), p > 0 ? 1 + nlines(s[p+1:]) : 1)
set tmargin (nlines(TITLE_TEXT) + 2 + 1.1 * ROWS)
set title TITLE_TEXT noenhanced offset 0, char (1.1 * ROWS)

# The series, then the front of each network: front.csv is sorted by EDP, so by accuracy
# along a front; a row of another network repeats the last point of this one (LX, LY), so
# the line is not broken by it.
frontx(n) = (column(0) == 0 ? (LX = NaN, LY = NaN) : 0, \
             strcol("network") eq n ? (LX = column("top1_pct"), LY = column("edp_js")) : 0, LX)
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), modelled(0) ? column("top1_pct") : XNM)):(column("edp_js")) \
         with points lt i title word(SERIES,i), \
     for [n=1:(FRONT eq "" ? 0 : words(NETS))] FRONT using (frontx(word(NETS,n))):(LY) \
         with lines lc rgb "#222222" dt 1 lw 1.5 title (n == 1 ? "Pareto front" : "")
