# style.gp - shared look of every apsim plot. Loaded by each plots/*.gp script after it sets
# OUT; picks the terminal from OUT's extension (.png -> pngcairo, .svg -> svg).
set encoding utf8
set datafile separator ","
set key noenhanced
set termoption noenhanced
if (OUT[strlen(OUT)-3:] eq ".svg") {
    set terminal svg size 900,600 dynamic font "DejaVu Sans,12" background rgb "white"
} else {
    set terminal pngcairo size 1200,800 font "DejaVu Sans,13" background rgb "white"
}
set output OUT
set grid xtics ytics mxtics mytics lc rgb "#dddddd" lw 1
set border lw 1.2
set key box opaque samplen 2 spacing 1.2
# One colour and point type per series index, reused across plots.
set linetype 1 lc rgb "#1b6ca8" pt 7 ps 1.6 lw 2
set linetype 2 lc rgb "#d95f02" pt 5 ps 1.6 lw 2
set linetype 3 lc rgb "#1b9e77" pt 9 ps 1.8 lw 2
set linetype 4 lc rgb "#7570b3" pt 11 ps 1.8 lw 2
set linetype 5 lc rgb "#e7298a" pt 13 ps 1.8 lw 2
set linetype 6 lc rgb "#66a61e" pt 15 ps 1.8 lw 2
set linetype 7 lc rgb "#a6761d" pt 3 ps 1.6 lw 2
set linetype 8 lc rgb "#666666" pt 1 ps 1.6 lw 2
