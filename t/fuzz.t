#!/bin/sh
# Builds every libFuzzer target (t/fuzz/fuzz_*.c, see t/fuzz/fuzz.mk) and
# runs each for a few seconds from its seed corpus under ASan and UBSan:
# one TAP line per target.  New inputs go to a scratch directory, never
# into the committed corpus.  FUZZ_SECONDS changes the time per target.

cd "$(dirname "$0")/.." || exit 1

secs=${FUZZ_SECONDS:-3}
targets=$(ls t/fuzz/fuzz_*.c 2>/dev/null)

if ! command -v clang >/dev/null 2>&1; then
    echo "1..0 # SKIP clang is not installed"
    exit 0
fi

n=0
for t in $targets; do n=$((n + 1)); done
echo "1..$((n + 1))"

scratch=$(mktemp -d) || exit 1
trap 'rm -rf "$scratch"' EXIT

if make -s fuzz > "$scratch/build.log" 2>&1; then
    echo "ok 1 - fuzz targets build"
else
    echo "not ok 1 - fuzz targets build"
    sed 's/^/# /' "$scratch/build.log" | tail -40
    i=1
    for t in $targets; do
        i=$((i + 1))
        echo "not ok $i - $(basename "$t" .c) # not built"
    done
    exit 0
fi

# All targets at once: libFuzzer's time limit is wall-clock, so the suite
# takes a few seconds however many targets the dialects add.
for t in $targets; do
    name=$(basename "$t" .c)
    mkdir -p "$scratch/$name"
    seeds=t/fuzz/corpus/$name
    [ -d "$seeds" ] || seeds=
    (
        build/fuzz/"$name" -max_total_time="$secs" -timeout=10 \
            -rss_limit_mb=2048 -artifact_prefix="$scratch/$name-" \
            "$scratch/$name" $seeds > "$scratch/$name.log" 2>&1
        echo $? > "$scratch/$name.rc"
    ) &
done
wait

i=1
for t in $targets; do
    i=$((i + 1))
    name=$(basename "$t" .c)
    if [ "$(cat "$scratch/$name.rc")" = 0 ]; then
        runs=$(grep -o 'Done [0-9]* runs' "$scratch/$name.log" | tail -1)
        echo "ok $i - $name ($runs in ${secs}s)"
    else
        echo "not ok $i - $name"
        grep -A30 -E 'ERROR|runtime error|differ|deadly' "$scratch/$name.log" \
            | head -60 | sed 's/^/# /'
        for a in "$scratch/$name"-*; do
            [ -f "$a" ] && echo "# crashing input: $(od -c "$a" | head -5)"
        done
    fi
done
