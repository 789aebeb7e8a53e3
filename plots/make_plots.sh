#!/bin/sh
# make_plots.sh - redraws every plot from existing results, without re-running simulations.
# Each results/<run>/plots.list (written by 'apsim sweep', 'apsim dynamic --out' and 'apsim
# fmnist') holds one plot per line:
#   <script>|<data file>|<output stem>|<title>|<series, space-separated>[|<extra data file>]
# and each line is drawn as PNG and SVG with
#   gnuplot -c plots/<script>.gp DATA OUT SERIES TITLE [EXTRA]
set -eu
RESULTS=${1:-results}
found=0
for list in "$RESULTS"/*/plots.list; do
    [ -e "$list" ] || continue
    dir=$(dirname "$list")
    while IFS='|' read -r script data stem title series extra; do
        [ -n "$script" ] || continue
        for ext in png svg; do
            if [ -n "$extra" ]; then
                gnuplot -c "plots/$script.gp" "$dir/$data" "$dir/$stem.$ext" "$series" "$title" "$dir/$extra"
            else
                gnuplot -c "plots/$script.gp" "$dir/$data" "$dir/$stem.$ext" "$series" "$title"
            fi
        done
        echo "plots: $dir/$stem.png"
        found=$((found + 1))
    done <"$list"
done
[ "$found" -gt 0 ] || { echo "plots: no results under $RESULTS (run 'make run' first)" >&2; exit 1; }
