#!/usr/bin/env bash
# Compares the CPU time of two casebook binaries building the same site into tmpfs.
#
#   benches/ab.sh OLD_BINARY NEW_BINARY [ROUNDS] [SITE]
#
# ROUNDS (default 20) rounds in ABBA order: A then B, then B then A, and so on, so that
# neither binary always runs right after the other. On a two-core virtual machine the mean
# of eight builds moves by ±5 % from one set to the next, and running A then B every time
# once showed a 9.5 % gain that the other order put at 2 %; alternating the order and
# counting the rounds each binary wins gives a figure to go by. Prints each binary's CPU
# times (`perf stat` task-clock, ms), their mean and median, how many rounds B was faster,
# and whether the two outputs are byte-identical. Needs `perf` (Debian package
# `linux-perf`) and a site, e.g. one from `benches/gen_corpus.py` (default: the 10,000-case
# corpus that `benches/build.sh` generates).
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,14p' "$0"; exit 2; }
a=$1 b=$2 rounds=${3:-20} site=${4:-${BENCH_DIR:-/tmp/casebook-bench}/site-10000}
out=/dev/shm/casebook-ab.$$
trap 'rm -rf "$out"' EXIT
mkdir -p "$out"
find "$site/content" -type f -exec cat {} + >/dev/null # content in the page cache

cpu_ms() { # label binary: builds into $out/label, prints its task-clock in ms
  rm -rf "${out:?}/$1"
  perf stat -x, -e task-clock -o "$out/stat" "$2" build --root "$site" --output "$out/$1" --quiet
  awk -F, '/task-clock/ {printf "%d\n", $1}' "$out/stat"
}

: > "$out/times"
for i in $(seq "$rounds"); do
  if [ $((i % 2)) -eq 1 ]; then ta=$(cpu_ms A "$a"); tb=$(cpu_ms B "$b")
  else tb=$(cpu_ms B "$b"); ta=$(cpu_ms A "$a"); fi
  echo "$ta $tb" >> "$out/times"
done

summary() { # column label
  sort -n -k"$1" "$out/times" | awk -v c="$1" -v label="$2" '
    {v[NR] = $c; sum += $c}
    END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
         printf "%s mean %.0f ms, median %.0f ms\n", label, sum / NR, m}'
}
echo "A $(tr '\n' ' ' < <(cut -d' ' -f1 "$out/times"))"
echo "B $(tr '\n' ' ' < <(cut -d' ' -f2 "$out/times"))"
summary 1 "A ($a):"
summary 2 "B ($b):"
awk '$2 < $1 {n++} END {printf "B faster in %d rounds of %d\n", n, NR}' "$out/times"
if diff -r "$out/A" "$out/B" >/dev/null; then echo "outputs identical"; else echo "OUTPUTS DIFFER"; fi
