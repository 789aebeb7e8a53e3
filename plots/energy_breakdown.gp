# energy_breakdown.gp - where the AP's energy goes in a sweep: for each AP series (one panel
# per series, e.g. ap/sram, ap/reram, ap/fefet) one bar per bit configuration, stacked by
# hardware component (plots/components.gp), as energy per inference; each panel has its own
# y scale, so compare totals across panels by the numbers above the bars. Below, on one log
# scale shared by all panels, the achieved TOPS/W (filled) next to the peak TOPS/W (open: the
# MAC programs on every row at once, nothing else). Rival accelerators have no component
# split and are left out; so are points that did not run (status other than ok).
# Drawn by plots/make_plots.sh next to every edp_accuracy plot, with that plot's series.
# Usage: gnuplot -c plots/energy_breakdown.gp points.csv out.png "series1 series2 ..." [title]
# points.csv columns used: accelerator, status, series, bits, label, batch, tops_per_w,
# peak_tops_per_w and the nine energy_<component>_mj columns. A series given that has no AP
# row is skipped; with no AP row at all the plot says so.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Energy per inference by component"
load "plots/style.gp"
UNIT = "mj"
load "plots/components.gp"
set datafile columnheaders

# Pass 1: the AP series (in SERIES order, those with rows) and the bit configurations (in
# file order) present, and the display name of each configuration: its label (INT8, INT4,
# W4A8) unless that is "mixed", then the scheme name (latency_0.5).
is_ap(dummy) = strcol("accelerator") eq "ap" && strcol("status") eq "ok"
has(list, w) = strstrt(" ".list." ", " ".w." ") > 0
widx(list, w, i) = (i > words(list)) ? 0 : (word(list, i) eq w ? i : widx(list, w, i + 1))
AP_SERIES = ""
BITS = ""
NAMES = ""
seen(dummy) = (has(AP_SERIES, strcol("series")) ? 0 : (AP_SERIES = AP_SERIES." ".strcol("series"), 0), \
               has(BITS, strcol("bits")) ? 0 : (BITS = BITS." ".strcol("bits"), \
                   NAMES = NAMES." ".(strcol("label") eq "mixed" ? strcol("bits") : strcol("label")), 0), 1)
stats DATA using (is_ap(0) ? seen(0) : 0) nooutput
GROUPS = ""
do for [i=1:words(SERIES)] {
    if (has(AP_SERIES, word(SERIES, i))) { GROUPS = GROUPS." ".word(SERIES, i) }
}
if (words(SERIES) == 0 || SERIES eq "-") { GROUPS = AP_SERIES }
NG = words(GROUPS)
NB = words(BITS)

if (NG == 0) {
    set title TITLE noenhanced
    unset border
    unset tics
    set label "no AP points with an energy breakdown in this sweep" at graph 0.5, 0.5 center
    plot NaN notitle
    exit
}

# x position of the current row in its panel (1..NB), NaN for rows outside panel G.
xpos(G) = (is_ap(0) && strcol("series") eq G) ? widx(BITS, strcol("bits"), 1) : NaN
per_inf(v) = v / column("batch")

# The shared TOPS/W range (log), from every AP row of the groups drawn.
stats DATA using (is_ap(0) && has(GROUPS, strcol("series")) ? column("tops_per_w") : NaN) nooutput
EMIN = STATS_min
EMAX = STATS_max
undefine STATS_*
stats DATA using (is_ap(0) && has(GROUPS, strcol("series")) ? column("peak_tops_per_w") : NaN) nooutput
if (exists("STATS_records") && STATS_records > 0 && STATS_max == STATS_max) {
    EMIN = (STATS_min < EMIN) ? STATS_min : EMIN
    EMAX = (STATS_max > EMAX) ? STATS_max : EMAX
}
ELO = 10**floor(log10(EMIN))
EHI = 10**ceil(log10(EMAX))
EHI = (EHI <= ELO) ? ELO * 10 : EHI

# Layout: NG panels side by side between PL and PR (screen), the legend right of PR; the
# energy row above the efficiency row, the bit-configuration names under the latter.
PL = 0.07
PR = 0.78
GAP = 0.05
PW = (PR - PL - (NG - 1) * GAP) / NG
left(g) = PL + (g - 1) * (PW + GAP)
set multiplot title TITLE noenhanced
set key off
set style fill solid 1.0 border lc rgb "#555555"
set boxwidth 0.7
set grid noxtics ytics
set xrange [0.4:NB + 0.6]
set xtics 1 scale 0 nomirror

do for [g=1:NG] {
    G = word(GROUPS, g)
    set lmargin at screen left(g)
    set rmargin at screen left(g) + PW
    # Energy row.
    set tmargin at screen 0.88
    set bmargin at screen 0.46
    set title G noenhanced font ",12"
    set format x ""
    set format y "%g"
    set ytics font ",10"
    set yrange [0:*]
    set offsets 0, 0, graph 0.08, 0
    if (g == 1) { set ylabel "energy per inference (mJ)" } else { unset ylabel }
    plot for [j=N_COMP:1:-1] DATA using (xpos(G)):(per_inf(comp_cum(j))) with boxes lc rgb COMP_COLOUR[j] notitle, \
         DATA using (xpos(G)):(per_inf(comp_cum(N_COMP))):(sprintf("%.3g", per_inf(comp_cum(N_COMP)))) \
             with labels offset 0, char 0.7 font ",9" notitle
    # Efficiency row.
    unset title
    set offsets 0, 0, 0, 0
    set tmargin at screen 0.42
    set bmargin at screen 0.19
    set logscale y
    set yrange [ELO:EHI]
    set format y (g == 1 ? "10^{%T}" : "")
    set termoption enhanced
    set xtics rotate by 35 right font ",10" noenhanced
    set format x "%g"
    set xtics ()
    do for [b=1:NB] { set xtics add (word(NAMES, b) b) }
    if (g == 1) { set ylabel "TOPS/W (log)" } else { unset ylabel }
    plot DATA using (xpos(G)):(column("tops_per_w")) with points lt 1 pt 7 ps 1.4 notitle, \
         DATA using (xpos(G)):(column("peak_tops_per_w")) with points lt 2 pt 6 ps 1.6 lw 1.5 notitle
    set termoption noenhanced
    unset logscale y
    set xtics 1 scale 0 norotate font ",10"
}

set label 1 "bit configuration (its label, or its scheme name when mixed)" at screen (PL + PR) / 2, screen 0.03 center font ",11"
# The legend: an empty plot right of the panels whose only content is the key.
unset xlabel
unset ylabel
unset tics
unset border
unset grid
unset title
set xrange [0:1]
set yrange [0:1]
set lmargin at screen PR + 0.01
set rmargin at screen 0.995
set tmargin at screen 0.88
set bmargin at screen 0.19
set key at graph 0.02, graph 1 left top vertical Left reverse samplen 1.5 width -2 font ",11"
plot for [j=N_COMP:1:-1] NaN with boxes lc rgb COMP_COLOUR[j] title COMP_TITLE[j], \
     NaN with points lt 1 pt 7 ps 1.4 title "TOPS/W achieved", \
     NaN with points lt 2 pt 6 ps 1.6 lw 1.5 title "TOPS/W peak"
unset multiplot
