#!/bin/sh
# structure.sh - the layout rules of docs/DEVELOPING.md, checked on the source tree: each
# module includes only the modules below it, no non-test .c file exceeds 900 lines, no
# function exceeds 120 lines (pmccabe, Debian package pmccabe), no folder holds more than
# 35% of the non-test C lines, and no file cites a local path or an unshipped note.
# Prints "structure: N passed, N failed"; exits 1 on a failure.
set -u
export LC_ALL=C
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "structure: FAIL: $1"; }

# The one-way dependency graph: each module and the modules its files may include.
allowed() {
    case $1 in
    base) echo "base" ;;
    cfg | ap_core | par) echo "base $1" ;;
    tech | accel) echo "base cfg $1" ;;
    networks) echo "base cfg networks onnx" ;;
    sim) echo "base cfg ap_core tech networks accel sim" ;;
    exec) echo "base cfg ap_core tech networks accel sim exec" ;;
    study) echo "base par cfg ap_core tech networks accel sim study" ;;
    fmnist) echo "base par cfg ap_core tech networks accel sim exec fmnist" ;;
    cli) echo "base par cfg ap_core tech networks accel sim exec study fmnist cli" ;;
    *) echo "" ;;
    esac
}
MODULES="base par cfg ap_core tech networks accel sim exec study fmnist cli"

for m in $MODULES; do
    [ -d "$m" ] || { bad "module folder $m/ is missing"; continue; }
    ok_all=1
    for f in "$m"/*.c "$m"/*.h; do
        [ -e "$f" ] || continue
        for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*"/\1/p' "$f" | sort -u); do
            case " $(allowed "$m") " in
            *" $inc "*) ;;
            *) bad "$f includes $inc/: $m may include only $(allowed "$m")"; ok_all=0 ;;
            esac
        done
    done
    [ $ok_all -eq 1 ] && ok
done

# Private headers (*_impl.h) are included only inside their own folder; every include of a
# project header names its folder.
n_before=$fail
for m in $MODULES; do
    for f in "$m"/*.c "$m"/*.h; do
        [ -e "$f" ] || continue
        for inc in $(sed -n 's/^#include "\(.*\)"/\1/p' "$f"); do
            case $inc in
            "$m"/*_impl.h) ;;
            */*_impl.h) bad "$f includes $inc, private to ${inc%%/*}/" ;;
            */*) ;;
            *) bad "$f includes \"$inc\" without its folder" ;;
            esac
        done
    done
done
[ "$fail" -eq "$n_before" ] && ok

# The example programs use the installed AP library only (docs/LIBRARY.md): ap_core and base.
for f in docs/examples/*.c; do
    [ -e "$f" ] || continue
    other=$(sed -n 's/^#include "\([a-z_]*\)\/.*"/\1/p' "$f" | grep -Evx 'ap_core|base')
    if [ -z "$other" ]; then ok; else bad "$f includes $(echo $other)/: examples may include only ap_core and base"; fi
done

# Every non-test C file belongs to a module folder.
for f in $(ls -d */ | tr -d /); do
    case " $MODULES tests build docs experiments reference plots results " in
    *" $f "*) ;;
    *) if ls "$f"/*.c >/dev/null 2>&1; then bad "$f/ holds C files but is no module"; fi ;;
    esac
done

total=0
for m in $MODULES; do
    n=$(cat "$m"/*.c "$m"/*.h 2>/dev/null | wc -l)
    total=$((total + n))
done
for m in $MODULES; do
    n=$(cat "$m"/*.c "$m"/*.h 2>/dev/null | wc -l)
    if [ $((n * 100)) -le $((total * 35)) ]; then ok; else
        bad "$m/ holds $n of $total non-test C lines (over 35%)"
    fi
done

for m in $MODULES; do
    for f in "$m"/*.c; do
        [ -e "$f" ] || continue
        n=$(wc -l <"$f")
        if [ "$n" -le 900 ]; then ok; else bad "$f has $n lines (over 900)"; fi
    done
done

if command -v pmccabe >/dev/null 2>&1; then
    long=$(for m in $MODULES; do ls "$m"/*.c 2>/dev/null; done | xargs pmccabe -v 2>/dev/null |
        awk '$1 ~ /^[0-9]+$/ && $5 > 120 { print $6 " " $7 " (" $5 " lines);" }')
    if [ -z "$long" ]; then ok; else bad "functions over 120 lines: $long"; fi
else
    bad "pmccabe is not installed (./setup.sh installs it): function lengths unchecked"
fi

# Provenance names public sources (papers, URLs, repository files), never a path of one
# machine or a document the project does not ship.
# (The pattern is written with bracket expressions so that this rule never quotes a path.)
notes=$(grep -rlE '/[w]ork/|/[h]ome/|[s]hared/docs|[R]EFERENCE\.md|[T]ECH_PARAMS|[S]CALING\.md|[S]ILICON\.md' \
    --exclude=structure.sh $MODULES docs experiments reference plots tests README.md Makefile 2>/dev/null)
if [ -z "$notes" ]; then ok; else bad "unshipped notes or local paths cited in: $(echo $notes)"; fi

# Every project document cited (docs/ and an all-capitals name, as the project names them) exists, so
# comments and docs never point at a file that moved or was never shipped.
missing=""
for d in $(grep -rhoE 'docs/[A-Z_]+\.md' --exclude-dir=build --exclude-dir=results \
    $MODULES docs experiments reference plots tests README.md Makefile setup.sh 2>/dev/null | sort -u); do
    [ -e "$d" ] || missing="$missing $d"
done
if [ -z "$missing" ]; then ok; else bad "documents cited but not shipped:$missing"; fi

echo "structure: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
