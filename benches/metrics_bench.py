#!/usr/bin/env python3
"""What the metric tables, charts and exports cost, and whether that cost is linear.

    benches/metrics_bench.py [--sizes 2500,5000,10000,20000] [--runs 3] [--bin PATH]

For each size N, generates a corpus with benches/gen_corpus.py, and a twin of it with every
`metrics:` block removed, then builds both with the release binary (`cargo build --release`
first) and reports the best of --runs wall times and peak memory. The difference between the
two (in CPU time, less disturbed than wall time by other work on the machine) is what metrics cost (metrics page, term-page metric tables, case-page charts, exports);
its growth from N to 2N shows whether that cost is linear. Also reports the size of
metrics.html and of the data/ exports. Prints a Markdown table for BENCHMARKS.md.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def strip_metrics(src, dst):
    """Copies a generated site, removing each case's `metrics:` block from its front matter."""
    shutil.copytree(src, dst)
    cases = os.path.join(dst, "content", "cases")
    block = re.compile(r"^metrics:\n(?:(?:  |- ).*\n)*", re.M)
    for name in os.listdir(cases):
        path = os.path.join(cases, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        head, sep, body = text.partition("\n---\n")
        with open(path, "w", encoding="utf-8") as f:
            f.write(block.sub("", head + "\n").rstrip("\n") + sep + body)


def build(binary, site, out):
    """Wall time (s), CPU time (s) and peak RSS (MiB) of one build, by /usr/bin/time."""
    shutil.rmtree(out, ignore_errors=True)
    stats = out + ".time"
    subprocess.run(["/usr/bin/time", "-o", stats, "-f", "%e %U %S %M",
                    binary, "build", "--root", site, "--output", out], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(stats) as f:
        wall, user, system, rss = f.read().split()[-4:]
    return float(wall), float(user) + float(system), int(rss) / 1024


def best(binary, site, out, runs):
    """The fastest of `runs` builds (the machine is shared: the minimum is the least noisy)."""
    return min((build(binary, site, out) for _ in range(runs)), key=lambda r: r[1])


def mib(path):
    return os.path.getsize(path) / (1 << 20)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2500,5000,10000,20000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "casebook"))
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not found: run `cargo build --release` first")
    print("| cases | metric rows | without metrics: wall / CPU / RSS | with metrics: wall / CPU / RSS "
          "| metrics cost (CPU) | metrics.html | metrics.csv | metrics.json | cases.json |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(s) for s in args.sizes.split(",")]:
            site = os.path.join(tmp, f"site{n}")
            bare = os.path.join(tmp, f"bare{n}")
            subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(n), site],
                           check=True, stdout=subprocess.DEVNULL)
            strip_metrics(site, bare)
            out = os.path.join(tmp, "out")
            bare_run = best(args.bin, bare, out, args.runs)
            full_run = best(args.bin, site, out, args.runs)
            data = os.path.join(out, "data")
            with open(os.path.join(data, "metrics.json"), encoding="utf-8") as f:
                rows = sum(1 for line in f if line.startswith("{"))
            run = "{:.2f} s / {:.2f} s / {:,.0f} MiB".format
            print(f"| {n:,} | {rows:,} | {run(*bare_run)} | {run(*full_run)} "
                  f"| {full_run[1] - bare_run[1]:+.2f} s "
                  f"| {mib(os.path.join(out, 'metrics.html')):.1f} MiB "
                  f"| {mib(os.path.join(data, 'metrics.csv')):.1f} MiB "
                  f"| {mib(os.path.join(data, 'metrics.json')):.1f} MiB "
                  f"| {mib(os.path.join(data, 'cases.json')):.1f} MiB |", flush=True)
            shutil.rmtree(site)
            shutil.rmtree(bare)


if __name__ == "__main__":
    main()
