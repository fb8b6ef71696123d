#!/usr/bin/env bash
# Build benchmark: casebook at 1k, 10k and 100k generated cases, an incremental rebuild at 10k,
# and Hugo building the equivalent site from the same cases in the same run.
#
#   benches/build.sh [SIZES...]        default: 1000 10000 100000
#
# Needs: python3, /usr/bin/time (Debian package `time`), and `hugo` (Debian package) for the
# comparison. Results go to stdout; copy them into BENCHMARKS.md with the machine they came from.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000 100000}")
[ $# -eq 0 ] && sizes=(1000 10000 100000)
work=${BENCH_DIR:-/tmp/casebook-bench}
mkdir -p "$work"
# Outputs moved aside by the "fresh folder" runs (several GB at 100,000 cases), deleted
# when the script ends. On ext4 without a journal, wait about six minutes before running the
# script again: until then the inodes it freed make every file created slower (see "fresh
# folder" below).
aside=$work/aside
mkdir -p "$aside"
trap 'rm -rf "$aside"' EXIT
move_aside() { # folder: moved into a new folder under $aside, if it exists
  local to
  if [ -d "$1" ]; then to=$(mktemp -d "$aside/out.XXXXXX") && mv "$1" "$to/"; fi
}
cargo build --release --quiet
bin=$PWD/target/release/casebook

measure() { # label, command...: runs it $runs times, prints the median wall, CPU and peak RSS
  local label=$1; shift
  : > "$work/runs.txt"
  for _ in $(seq "$runs"); do
    [ -n "${before:-}" ] && eval "$before"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
      cat "$work/stderr.txt"; return 1; }
    cat "$work/time.txt" >> "$work/runs.txt"
  done
  read -r wall cpu rss < <(sort -n "$work/runs.txt" | awk '{w[NR]=$1; c[NR]=$2+$3; m[NR]=$4}
    END {i=int((NR+1)/2); print w[i], c[i], m[i]}')
  printf '%-34s wall %6.2f s  cpu %6.2f s  peak RSS %6d MB  (median of %d)\n' "$label" "$wall" "$cpu" $((rss / 1024)) "$runs"
  echo "$wall" > "$work/last_wall.txt"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
echo "casebook $($bin --version | cut -d' ' -f2), $(hugo version 2>/dev/null | cut -d' ' -f1-2 || echo 'hugo missing')"
# What a page of memory costs the first time it is touched. In a virtual machine whose host
# backs memory lazily (or takes back what the guest frees), every new page of heap and of
# output costs a fault in the host: seen here at 0.8–2.8 s per GiB, where mapping and
# zeroing a GiB takes about a tenth of a second without a host in the way (an estimate).
# Then both tools pay for their peak RSS and their output in CPU time, and this line says
# how much.
fresh_memory() {
  /usr/bin/time -f "%e" -o "$work/touch.txt" python3 -c '
n = 1 << 30
b = bytearray(n)
b[::4096] = b"\x01" * len(range(0, n, 4096))'
  echo "fresh memory: $(cat "$work/touch.txt") s to touch 1 GiB"
}
fresh_memory
has_hugo() { command -v hugo >/dev/null; }
ratio() { echo "$1 / $2" | bc -l; }
# The floor under a fresh-folder build of $n cases: the same files as in folder $2, written
# by a writer that does nothing else (benches/write_floor.py), into a folder deleted at the
# end (so before any deletion, see "fresh folder" below). Up to 10,000 cases.
# Synced afterwards, so that the next measurement does not pay for writing these back.
floor() { # label, output folder
  [ "$n" -le 10000 ] || return 0
  local to result
  to=$(mktemp -d "$aside/floor.XXXXXX")
  result=$(python3 benches/write_floor.py "$2" "$to/out")
  sync
  printf '%-34s %s\n' "$1" "$result"
}
# Fresh-folder builds in pairs, casebook and Hugo one right after the other (which goes
# first alternates), $PAIRS times (5; none at 100,000 cases): each pair's ratio and their
# median. The medians above take each tool's runs minutes apart, and this machine's speed
# drifts over minutes (Hugo's median has ranged 6.9–9.8 s between runs of this script); a
# pair compares the two under the same conditions.
paired_fresh() {
  local pairs k tool
  pairs=${PAIRS:-$([ "$n" -ge 100000 ] && echo 0 || echo 5)}
  [ "$pairs" -gt 0 ] || return 0
  : > "$work/pairs.txt"
  for k in $(seq "$pairs"); do
    move_aside "$site/public"; rm -f "$site/.public.casebook-manifest"
    move_aside "$hugo_site/public"
    for tool in $([ $((k % 2)) -eq 1 ] && echo "cb hu" || echo "hu cb"); do
      if [ "$tool" = cb ]; then
        /usr/bin/time -f "%e" -o "$work/pair-cb.txt" "$bin" build --root "$site" --quiet
      else
        /usr/bin/time -f "%e" -o "$work/pair-hu.txt" hugo --source "$hugo_site" --quiet >/dev/null
      fi
    done
    echo "$(cat "$work/pair-cb.txt") $(cat "$work/pair-hu.txt")" >> "$work/pairs.txt"
  done
  awk '{printf "  pair %d%-27s casebook %5.2f s, hugo %5.2f s, ratio %.2f\n", NR, ":", $1, $2, $1 / $2}' \
    "$work/pairs.txt"
  awk '{print $1 / $2}' "$work/pairs.txt" | sort -n | awk -v label="casebook / hugo, paired fresh" \
    '{r[NR] = $1} END {printf "%-34s median %.2f of %d pairs (%.2f–%.2f; target <= 0.25)\n",
      label, r[int((NR + 1) / 2)], NR, r[1], r[NR]}'
}
for n in "${sizes[@]}"; do
  site=$work/site-$n; hugo_site=$work/hugo-$n
  if [ ! -f "$site/.complete" ]; then
    rm -rf "$site" "$hugo_site"
    python3 benches/gen_corpus.py "$n" "$site" --hugo "$hugo_site"
    touch "$site/.complete"
  fi
  echo "== $n cases"
  # Medians of 3 runs (1 from 100,000 cases): Hugo's time swings by seconds between runs.
  runs=${RUNS:-$([ "$n" -ge 100000 ] && echo 1 || echo 3)}
  # Both tools read their content from the page cache, also in a single run.
  find "$site/content" "$hugo_site/content" -type f -exec cat {} + >/dev/null 2>&1 || true
  # "fresh folder": every file is created, as on CI's first build; the previous output is
  # moved aside, not deleted. Measured before any deletion: ext4 without a journal (this
  # machine's) skips inodes freed in the last minutes, so after an `rm -rf` each new file
  # scans past all of them, which was half of a "cold" build's CPU, Hugo's as ours.
  before="move_aside '$site/public'; rm -f '$site/.public.casebook-manifest'"
  measure "casebook build (fresh folder)" "$bin" build --root "$site" --quiet
  cb_fresh=$(cat "$work/last_wall.txt")
  floor "writing casebook's files alone" "$site/public"
  # "again": the previous build is there.
  before=""
  measure "casebook build (again)" "$bin" build --root "$site" --quiet
  cb=$(cat "$work/last_wall.txt")
  printf '%-34s %s\n' "output size" "$(du -sh "$site/public" | cut -f1)"
  if [ -d "$site/public/search" ]; then
    printf '%-34s %s\n' "search index size" "$(du -sh "$site/public/search" | cut -f1)"
  fi
  if [ "$n" -eq 10000 ]; then
    f=$site/content/cases/000500.md
    cp "$f" "$work/saved.md"
    # A different edit each run (a repeated one would leave the output as the last run did).
    before="cp '$work/saved.md' '$f' && sed -i \"s/取得成效/取得成效(修订 \$RANDOM)/\" '$f'"
    measure "casebook rebuild after one edit" "$bin" build --root "$site" --quiet
    before=""
    cp "$work/saved.md" "$f"
  fi
  if has_hugo; then
    before="move_aside '$hugo_site/public'"
    measure "hugo fresh folder (no search)" hugo --source "$hugo_site" --quiet
    hu_fresh=$(cat "$work/last_wall.txt")
    floor "writing Hugo's files alone" "$hugo_site/public"
    before=""
    measure "hugo again" hugo --source "$hugo_site" --quiet
    hu=$(cat "$work/last_wall.txt")
    printf '%-34s fresh folder %.2f, again %.2f (target <= 0.25)\n' "casebook / hugo wall ratio" \
      "$(ratio "$cb_fresh" "$hu_fresh")" "$(ratio "$cb" "$hu")"
    paired_fresh
    # The same builds with the output in memory (tmpfs), so the file system is out of the
    # comparison: on ext4 both tools can spend more time creating files than rendering.
    shm=/dev/shm/casebook-bench
    if [ "$n" -le 10000 ] && [ -d /dev/shm ]; then
      before="rm -rf '$shm'"
      measure "casebook build (tmpfs output)" "$bin" build --root "$site" --output "$shm/cb" --quiet
      cb_shm=$(cat "$work/last_wall.txt")
      measure "hugo (tmpfs output)" hugo --source "$hugo_site" --destination "$shm/hugo" --quiet
      hu_shm=$(cat "$work/last_wall.txt")
      before=""
      rm -rf "$shm"
      printf '%-34s %.2f\n' "casebook / hugo, tmpfs output" "$(ratio "$cb_shm" "$hu_shm")"
    fi
  fi
done
# "cold": the output deleted just before each build, every size last of all, since the
# deletions slow down whatever creates files after them (see "fresh folder").
for n in "${sizes[@]}"; do
  site=$work/site-$n; hugo_site=$work/hugo-$n
  runs=${RUNS:-$([ "$n" -ge 100000 ] && echo 1 || echo 3)}
  echo "== $n cases, output deleted just before"
  before="rm -rf '$site/public' '$site/.public.casebook-manifest'"
  measure "casebook build (cold output)" "$bin" build --root "$site" --quiet
  cb_cold=$(cat "$work/last_wall.txt")
  if has_hugo; then
    before="rm -rf '$hugo_site/public'"
    measure "hugo cold" hugo --source "$hugo_site" --quiet
    printf '%-34s %.2f\n' "casebook / hugo, cold" "$(ratio "$cb_cold" "$(cat "$work/last_wall.txt")")"
  fi
done
fresh_memory
