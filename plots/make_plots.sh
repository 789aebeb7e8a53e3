#!/bin/sh
# make_plots.sh - redraws every plot from existing results, without re-running simulations.
# Usage: make_plots.sh [RESULTS_DIR [GALLERY_DIR]]
# Each RESULTS_DIR/<run>/plots.list (written by 'apsim sweep', 'apsim dynamic --out' and
# 'apsim fmnist') holds one plot per line:
#   <script>|<data file>|<output stem>|<title>|<series, space-separated>[|<extra data file>]
# and each line is drawn as PNG and SVG next to its data with
#   gnuplot -c $GP_DIR/<script>.gp DATA OUT SERIES TITLE [EXTRA]
# Next to every edp_accuracy plot it also draws energy_breakdown[_<network>] (energy per
# inference of the AP points by component, achieved and peak TOPS/W) from the same points.csv
# and series, when that file has the per-component columns (results of older versions do not).
# With GALLERY_DIR (make gallery) every plot is drawn once, as PNG only, into
# GALLERY_DIR/<run>_<stem>.png instead.
set -eu
RESULTS=${1:-results}
GALLERY=${2:-}
# Where the .gp scripts are (they load style.gp and components.gp from there too).
GP_DIR=plots
# The scripts are UTF-8 (J·s, µJ): gnuplot runs under a UTF-8 locale whatever the caller's
# (under LC_ALL=C it warns that it cannot convert them).
GP_LOCALE=C.UTF-8
found=0

# draw SCRIPT DATA DIR STEM SERIES TITLE [EXTRA]: the plot as PNG and SVG in DIR, or as one
# PNG in the gallery.
draw() {
    d_script=$1 d_data=$2 d_dir=$3 d_stem=$4 d_series=$5 d_title=$6 d_extra=${7:-}
    if [ -n "$GALLERY" ]; then
        set -- "$GALLERY/$(basename "$d_dir")_$d_stem.png"
    else
        set -- "$d_dir/$d_stem.png" "$d_dir/$d_stem.svg"
    fi
    for out in "$@"; do
        if [ -n "$d_extra" ]; then
            LC_ALL=$GP_LOCALE gnuplot -c "$GP_DIR/$d_script.gp" "$d_data" "$out" "$d_series" "$d_title" "$d_extra"
        else
            LC_ALL=$GP_LOCALE gnuplot -c "$GP_DIR/$d_script.gp" "$d_data" "$out" "$d_series" "$d_title"
        fi
    done
    echo "plots: $1"
}

[ -z "$GALLERY" ] || mkdir -p "$GALLERY"
for list in "$RESULTS"/*/plots.list; do
    [ -e "$list" ] || continue
    dir=$(dirname "$list")
    while IFS='|' read -r script data stem title series extra; do
        [ -n "$script" ] || continue
        if [ -n "$extra" ]; then
            draw "$script" "$dir/$data" "$dir" "$stem" "$series" "$title" "$dir/$extra"
        else
            draw "$script" "$dir/$data" "$dir" "$stem" "$series" "$title"
        fi
        found=$((found + 1))
        if [ "$script" = edp_accuracy ] &&
            head -n 1 "$dir/$data" | grep -q 'energy_cap_matchline_mj'; then
            bstem="energy_breakdown${stem#edp_accuracy}"
            btitle="${title%%:*}: AP energy per inference by component, achieved and peak TOPS/W"
            draw energy_breakdown "$dir/$data" "$dir" "$bstem" "$series" "$btitle"
        fi
    done <"$list"
done
[ "$found" -gt 0 ] || { echo "plots: no results under $RESULTS (run 'make run' first)" >&2; exit 1; }
