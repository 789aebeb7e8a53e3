# layer_energy.gp - per-layer energy split into search, write, data movement, leakage and
# peripheral energy, stacked. Usage: gnuplot -c plots/layer_energy.gp layers.csv out.png - [title]
# (ARG3, the series list, is unused here.)
# layers.csv columns used: layer, energy_search_pj, energy_write_pj, energy_move_pj,
# energy_leak_pj, energy_periph_pj.
DATA = ARG1
OUT = ARG2
TITLE = (ARGC >= 4) ? ARG4 : "Energy per layer"
load "plots/style.gp"
set title TITLE noenhanced
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border lc rgb "#333333"
set boxwidth 0.8
set ylabel "energy per batch (µJ)"
set xtics rotate by 90 right font ",9" noenhanced
set key outside right top vertical
set yrange [0:*]
set bmargin 9
plot DATA using (column("energy_search_pj")*1e-6):xtic(strcol("layer")) lt 1 title "search", \
     '' using (column("energy_write_pj")*1e-6) lt 2 title "write", \
     '' using (column("energy_move_pj")*1e-6) lt 3 title "data movement", \
     '' using (column("energy_leak_pj")*1e-6) lt 4 title "leakage", \
     '' using (column("energy_periph_pj")*1e-6) lt 5 title "peripheral"
