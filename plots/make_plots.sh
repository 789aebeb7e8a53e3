#!/bin/sh
# make_plots.sh - redraws every plot from existing results, without re-running simulations.
# Usage: make_plots.sh [RESULTS_DIR [GALLERY_DIR]]   (installed as apsim-plot)
# Each RESULTS_DIR/<run>/plots.list (written by 'apsim sweep', 'apsim dynamic' and 'apsim
# fmnist sweep', each into results/<name> unless given -o DIR) holds one plot per line:
#   <script>|<data file>|<output stem>|<title>|<series, space-separated>[|<extra data file>]
# and each line is drawn as PNG and SVG next to its data with
#   gnuplot -c $GP_DIR/<script>.gp DATA OUT SERIES TITLE [EXTRA]
# Next to every edp_accuracy plot it also draws energy_breakdown[_<network>] (energy per
# inference of the AP points by component, achieved and peak TOPS/W) from the same points.csv
# and series, when that file has the per-component columns (results of older versions do not).
# With GALLERY_DIR (make gallery) every plot is drawn once, as PNG only, into
# GALLERY_DIR/<run>_<stem>.png instead.
# It runs from any directory: the .gp scripts are found next to this script (plots/ in the
# source tree, share/apsim/plots once installed), under $APSIM_DATA/plots, or, for the
# installed copy <prefix>/bin/apsim-plot, in <prefix>/share/apsim/plots.
set -eu
RESULTS=${1:-results}
GALLERY=${2:-}
case $RESULTS in -h | --help)
    echo "usage: ${0##*/} [RESULTS [GALLERY]]   redraw the plots of every RESULTS/<run>/plots.list"
    exit 0 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
GP_DIR=
for d in "$here" "${APSIM_DATA:+$APSIM_DATA/plots}" "$here/../share/apsim/plots"; do
    if [ -n "$d" ] && [ -f "$d/edp_accuracy.gp" ]; then GP_DIR=$(cd "$d" && pwd); break; fi
done
[ -n "$GP_DIR" ] || { echo "plots: cannot find the gnuplot scripts (looked next to $0)" >&2; exit 2; }
# The scripts are UTF-8 (J·s, µJ): gnuplot runs under a UTF-8 locale whatever the caller's
# (under LC_ALL=C it warns that it cannot convert them). They load plots/style.gp (and
# plots/components.gp): gnuplot's loadpath makes those the ones beside them.
GP_LOCALE=C.UTF-8
gp() { LC_ALL=$GP_LOCALE gnuplot -e "set loadpath '$GP_DIR/..'" -c "$@"; }
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
            gp "$GP_DIR/$d_script.gp" "$d_data" "$out" "$d_series" "$d_title" "$d_extra"
        else
            gp "$GP_DIR/$d_script.gp" "$d_data" "$out" "$d_series" "$d_title"
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
