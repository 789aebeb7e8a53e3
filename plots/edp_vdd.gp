# edp_vdd.gp - latency, energy and EDP per inference versus supply voltage, one line per
# series (network/config/technology). Usage:
#   gnuplot -c plots/edp_vdd.gp points.csv out.png "series1 series2 ..." [title]
# points.csv columns used: series, vdd_v, latency_ms, energy_mj, edp_js.
DATA = ARG1
OUT = ARG2
SERIES = ARG3
TITLE = (ARGC >= 4) ? ARG4 : "Voltage scaling"
load "plots/style.gp"
set termoption enhanced
set multiplot layout 1,3 title TITLE noenhanced
set key noenhanced
sel(s, v) = (strcol("series") eq s) ? v : NaN
set xlabel "Vdd (V)"
set logscale y
set format y "10^{%T}"
set key off
set ylabel "latency per inference (ms)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("latency_ms")) \
    smooth unique with linespoints lt i title word(SERIES,i)
set ylabel "energy per inference (mJ)"
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("energy_mj")) \
    smooth unique with linespoints lt i title word(SERIES,i)
set ylabel "EDP per inference (J·s)"
set key outside right top vertical noenhanced
plot for [i=1:words(SERIES)] DATA using (sel(word(SERIES,i), column("vdd_v"))):(column("edp_js")) \
    smooth unique with linespoints lt i title word(SERIES,i)
unset multiplot
