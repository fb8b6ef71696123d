#!/usr/bin/env bash
# Reader-side costs at scale: print.html size, bundle time and size, bundle determinism.
#   benches/reader.sh [N=10000]   (needs `cargo build --release` first)
# Prints one Markdown table row per measurement, for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
bin=target/release/casebook
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 benches/gen_corpus.py "$n" "$work/site" >/dev/null
ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
build_ms=$(ms "$bin" build --root "$work/site" --output "$work/public" --quiet)
bundle_ms=$(ms "$bin" bundle --root "$work/site" --output "$work/a/site.zip" --quiet)
"$bin" bundle --root "$work/site" --output "$work/b/site.zip" --quiet
same=$(cmp -s "$work/a/site.zip" "$work/b/site.zip" && echo yes || echo NO)
# Past `print_max_cases` (1,000 by default) there is no print.html.
print_bytes=$(stat -c %s "$work/public/print.html" 2>/dev/null || echo none)
site_bytes=$(du -sb "$work/public" | cut -f1)
zip_bytes=$(stat -c %s "$work/a/site.zip")
files=$(find "$work/public" -type f | wc -l)
mib() { [ "$1" = none ] && echo none || awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "| cases | build | bundle | files | site | zip | print.html | identical zips |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |"
echo "| $n | ${build_ms} ms | ${bundle_ms} ms | $files | $(mib "$site_bytes") | $(mib "$zip_bytes") | $(mib "$print_bytes") | $same |"
