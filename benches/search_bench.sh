#!/usr/bin/env bash
# Search benchmark at 1,000 and 10,000 generated cases (see benches/search_bench.py).
# Needs chromium + chromium-driver and python3; builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${SEARCH_BENCH_DIR:-$(mktemp -d)}"
cargo build --release --quiet
for n in ${SEARCH_BENCH_SIZES:-1000 10000}; do
  python3 benches/gen_corpus.py "$n" "$work/site-$n" >/dev/null
  start=$(date +%s.%N)
  ./target/release/casebook build --quiet --root "$work/site-$n" --output "$work/public-$n"
  end=$(date +%s.%N)
  echo "## $n cases (build: $(echo "$end - $start" | bc) s; index: $(du -sh "$work/public-$n/search" | cut -f1) in $(ls "$work/public-$n/search" | wc -l) files)"
  python3 benches/search_bench.py "$work/public-$n"
  echo
done
