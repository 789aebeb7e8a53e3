#!/bin/sh
# make_plots.sh - redraws every plot from existing results, without re-running simulations.
# Each results/<run>/plots.list (written by 'apsim sweep', 'apsim dynamic' and 'apsim fmnist
# sweep', each into results/<name> unless given -o DIR) holds one plot per line:
#   <script>|<data file>|<output stem>|<title>|<series, space-separated>[|<extra data file>]
# and each line is drawn as PNG and SVG with
#   gnuplot -c plots/<script>.gp DATA OUT SERIES TITLE [EXTRA]
# Next to every edp_accuracy plot it also draws energy_breakdown[_<network>] (energy per
# inference of the AP points by component, achieved and peak TOPS/W) from the same points.csv
# and series, when that file has the per-component columns (results of older versions do not).
# It runs from any directory: the .gp scripts are found next to this script (plots/ in the
# source tree, share/apsim/plots once installed), under $APSIM_DATA/plots, or, for the
# installed copy <prefix>/bin/apsim-plot, in <prefix>/share/apsim/plots. Usage:
#   make_plots.sh [RESULTS]     (apsim-plot [RESULTS]; RESULTS defaults to ./results)
set -eu
RESULTS=${1:-results}
case $RESULTS in -h | --help)
    echo "usage: ${0##*/} [RESULTS]   redraw the plots of every RESULTS/<run>/plots.list"
    exit 0 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
GP=
for d in "$here" "${APSIM_DATA:+$APSIM_DATA/plots}" "$here/../share/apsim/plots"; do
    if [ -n "$d" ] && [ -f "$d/edp_accuracy.gp" ]; then GP=$(cd "$d" && pwd); break; fi
done
[ -n "$GP" ] || { echo "plots: cannot find the gnuplot scripts (looked next to $0)" >&2; exit 2; }
# The scripts load plots/style.gp: gnuplot's loadpath makes that the one beside them.
gp() { gnuplot -e "set loadpath '$GP/..'" -c "$@"; }
found=0
for list in "$RESULTS"/*/plots.list; do
    [ -e "$list" ] || continue
    dir=$(dirname "$list")
    while IFS='|' read -r script data stem title series extra; do
        [ -n "$script" ] || continue
        for ext in png svg; do
            if [ -n "$extra" ]; then
                gp "$GP/$script.gp" "$dir/$data" "$dir/$stem.$ext" "$series" "$title" "$dir/$extra"
            else
                gp "$GP/$script.gp" "$dir/$data" "$dir/$stem.$ext" "$series" "$title"
            fi
        done
        echo "plots: $dir/$stem.png"
        found=$((found + 1))
        if [ "$script" = edp_accuracy ] &&
            head -n 1 "$dir/$data" | grep -q 'energy_cap_matchline_mj'; then
            bstem="energy_breakdown${stem#edp_accuracy}"
            btitle="${title%%:*}: AP energy per inference by component, achieved and peak TOPS/W"
            for ext in png svg; do
                gp "$GP/energy_breakdown.gp" "$dir/$data" "$dir/$bstem.$ext" "$series" "$btitle"
            done
            echo "plots: $dir/$bstem.png"
        fi
    done <"$list"
done
[ "$found" -gt 0 ] || { echo "plots: no results under $RESULTS (run 'make run' first)" >&2; exit 1; }
