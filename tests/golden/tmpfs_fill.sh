#!/bin/sh
# tmpfs_fill.sh APSIM MNT DIR - run by case_output_faults.sh under `unshare -m` (root): mounts
# a 400 kB tmpfs on MNT, writes the first sets of run, sweep and dynamic there, then fills
# the disk to leave 30..90 kB and writes other sets over them. Each attempt must either fail
# with exit 3 leaving the previous set byte for byte (no stage, no temporary file) or write
# the whole new set (DIR/ref/{r,s,d}1, made on a roomy disk). Prints one line per attempt;
# "MIXED" marks a broken promise. Exit 1 when the mount fails.
set -u
apsim=$1 mnt=$2 of=$3
mount -t tmpfs -o size=400k tmpfs "$mnt" || exit 1
"$apsim" run resnet18 -o "$mnt/r" -q >/dev/null &&
    "$apsim" sweep tests/golden/golden_small.yaml -o "$mnt/s" -q >/dev/null &&
    "$apsim" dynamic tests/golden/dynamic_small.yaml -o "$mnt/d" -q >/dev/null || exit 1
# same DIR REF: DIR holds REF's files (no others but the journal and lock), byte for byte.
same() {
    [ -z "$(ls -A "$1" | grep -v '^\.journal\.csv$' | grep -v '^\.lock$' | grep '^\.\|\.tmp\.')" ] &&
        diff -r -x '.journal.csv' -x '.lock' "$1" "$2" >/dev/null
}
free_kb=$(df -k "$mnt" | awk 'NR == 2 {print $4}')
for left in 60 44 38 34 30 26 22 18 14 10 6 2; do
    rm -f "$mnt/fill"
    dd if=/dev/zero of="$mnt/fill" bs=1k count=$((free_kb - left)) 2>/dev/null
    for kind in r s d; do
        case $kind in
        r) "$apsim" run vgg16 --bits int4 -o "$mnt/r" -q >/dev/null 2>"$of/fill.err" ;;
        s) "$apsim" sweep "$of/g2.yaml" -o "$mnt/s" -q >/dev/null 2>"$of/fill.err" ;;
        d) "$apsim" dynamic "$of/d2.yaml" -o "$mnt/d" -q >/dev/null 2>"$of/fill.err" ;;
        esac
        rc=$?
        if [ $rc -eq 0 ] && same "$mnt/$kind" "$of/ref/${kind}1"; then
            echo "$left kB left: $kind: the whole new set"
            rm -rf "$mnt/$kind" "$mnt/fill" && cp -r "$of/ref/${kind}0" "$mnt/$kind" # back to the first set
            dd if=/dev/zero of="$mnt/fill" bs=1k count=$((free_kb - left)) 2>/dev/null
        elif [ $rc -eq 3 ] && same "$mnt/$kind" "$of/ref/${kind}0"; then
            echo "$left kB left: $kind: exit 3, previous set intact: $(cat "$of/fill.err")"
        else
            echo "$left kB left: $kind: MIXED (exit $rc): $(cat "$of/fill.err")"
            ls -A "$mnt/$kind"
        fi
    done
done
rm -f "$mnt/fill"
umount "$mnt"
