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
cargo build --release --quiet
bin=$PWD/target/release/casebook

measure() { # label, command...: prints wall, CPU and peak RSS of one run
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
    cat "$work/stderr.txt"; return 1; }
  read -r wall user sys rss < "$work/time.txt"
  printf '%-34s wall %6.2f s  cpu %6.2f s  peak RSS %6d MB\n' "$label" "$wall" "$(echo "$user + $sys" | bc)" $((rss / 1024))
  echo "$wall" > "$work/last_wall.txt"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -srm)"
echo "casebook $($bin --version | cut -d' ' -f2), $(hugo version 2>/dev/null | cut -d' ' -f1-2 || echo 'hugo missing')"
for n in "${sizes[@]}"; do
  site=$work/site-$n; hugo_site=$work/hugo-$n
  if [ ! -f "$site/.complete" ]; then
    rm -rf "$site" "$hugo_site"
    python3 benches/gen_corpus.py "$n" "$site" --hugo "$hugo_site"
    touch "$site/.complete"
  fi
  echo "== $n cases"
  measure "casebook build (cold output)" "$bin" build --root "$site" --quiet
  measure "casebook build (again)" "$bin" build --root "$site" --quiet
  cb=$(cat "$work/last_wall.txt")
  printf '%-34s %s\n' "output size" "$(du -sh "$site/public" | cut -f1)"
  if [ -d "$site/public/search" ]; then
    printf '%-34s %s\n' "search index size" "$(du -sh "$site/public/search" | cut -f1)"
  fi
  if [ "$n" -eq 10000 ]; then
    f=$site/content/cases/000500.md
    cp "$f" "$work/saved.md"
    sed -i 's/取得成效/取得成效(修订)/' "$f"
    measure "casebook rebuild after one edit" "$bin" build --root "$site" --quiet
    cp "$work/saved.md" "$f"
  fi
  if command -v hugo >/dev/null; then
    rm -rf "$hugo_site/public"
    measure "hugo (same cases, no search)" hugo --source "$hugo_site" --quiet
    hu=$(cat "$work/last_wall.txt")
    printf '%-34s %.2f (target <= 0.25)\n' "casebook / hugo wall ratio" "$(echo "$cb / $hu" | bc -l)"
  fi
done
