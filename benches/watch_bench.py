#!/usr/bin/env python3
"""Watch/serve benchmark: save -> dependent pages written, full rebuild, live-reload latency.

Usage: benches/watch_bench.py [--cases N] [--rounds R] [--site DIR] [--bin PATH]

Generates an N-case site with benches/gen_corpus.py (unless --site is given), runs
`casebook build` once for the full build time, then `casebook serve --port 0` on it, and
edits one case R times in two ways:
  body   the Markdown body only: the case page depends on it;
  title  the title: the page, its neighbours, related cases, term pages, index and feeds.
For each save it records the time until the watcher reports the rebuild (printed after every
dependent file is written; the edited page is also checked) and until the live-reload event
arrives on an open /__casebook/events stream, and until the deferred outputs (the search index,
and print.html up to `print_max_cases` cases) are caught up once saves pause. Prints medians.
"""
import argparse, os, re, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def reader(stream, lines):
    for raw in iter(stream.readline, b""):
        lines.append((time.perf_counter(), raw.decode("utf-8", "replace").rstrip("\n")))


def wait_line(lines, start, pred, timeout=120):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        for i in range(start, len(lines)):
            if pred(lines[i][1]):
                return i, lines[i][0]
        time.sleep(0.0005)
    sys.exit("timed out; output:\n" + "\n".join(l for _, l in lines[-20:]))


def sse_events(port, events):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /__casebook/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    buf = b""
    while True:
        data = s.recv(65536)
        if not data:
            return
        buf += data
        while b"\n\n" in buf:
            block, buf = buf.split(b"\n\n", 1)
            if b"event: reload" in block:
                events.append(time.perf_counter())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--site")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/casebook"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="casebook-watch-bench-")
    site = os.path.join(work, "site")
    if args.site:
        shutil.copytree(args.site, site, ignore=shutil.ignore_patterns("public"))
    else:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), str(args.cases), site], check=True)
    cases_dir = os.path.join(site, "content", "cases")
    case_files = sorted(os.path.join(d, f) for d, _, fs in os.walk(cases_dir) for f in fs if f.endswith(".md"))
    target = case_files[len(case_files) // 2]
    slug = os.path.basename(target)[:-3]

    t = time.perf_counter()
    subprocess.run([args.bin, "build", "--quiet", "--root", site, "--output", os.path.join(work, "full")], check=True)
    full_build = time.perf_counter() - t

    proc = subprocess.Popen([args.bin, "serve", "--port", "0", "--root", site],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    threading.Thread(target=reader, args=(proc.stdout, lines), daemon=True).start()
    i, _ = wait_line(lines, 0, lambda l: l.startswith("watching "))
    first = next(l for _, l in lines if l.startswith("built "))
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", next(l for _, l in lines if l.startswith("serving "))).group(1))
    events = []
    threading.Thread(target=sse_events, args=(port, events), daemon=True).start()
    time.sleep(0.5)
    page = os.path.join(site, "public", "cases", slug + ".html")
    original = open(target, encoding="utf-8").read()
    results = {}
    for kind in ("body", "title"):
        saves, reloads, written, rebuild_ms, catch_up = [], [], [], [], []
        for r in range(args.rounds):
            marker = f"bench-{kind}-{r}"
            if kind == "body":
                text = original + f"\n\n{marker}\n"
            else:
                text = re.sub(r'^title: "?(.*?)"?$', lambda m: f'title: "{m.group(1)} {marker}"', original, count=1, flags=re.M)
            n_lines, n_events = len(lines), len(events)
            t0 = time.perf_counter()
            with open(target, "w", encoding="utf-8") as f:
                f.write(text)
            i, t1 = wait_line(lines, n_lines, lambda l: l.startswith("rebuilt ") or l.startswith("build failed"))
            line = lines[i][1]
            assert line.startswith("rebuilt "), line
            assert marker in open(page, encoding="utf-8").read(), "the page shows the edit"
            deadline = time.perf_counter() + 10
            while len(events) == n_events and time.perf_counter() < deadline:
                time.sleep(0.0005)
            saves.append((t1 - t0) * 1000)
            if len(events) > n_events:
                reloads.append((events[n_events] - t0) * 1000)
            written.append(int(re.search(r"(\d+) files written", line).group(1)))
            rebuild_ms.append(int(re.search(r"in (\d+) ms", line).group(1)))
            # The outputs that cover every case are deferred until saves pause, then caught up.
            j, t3 = wait_line(lines, i + 1, lambda l: l.startswith("caught up"))
            catch_up.append((t3 - t0) * 1000)
            time.sleep(0.1)
        results[kind] = (saves, reloads, written, rebuild_ms, catch_up)
    proc.terminate()
    proc.wait()
    shutil.rmtree(work, ignore_errors=True)

    print(f"site: {len(case_files)} cases; edited {os.path.relpath(target, site)}; {args.rounds} saves each")
    print(f"full build (casebook build): {full_build * 1000:.0f} ms")
    print(f"watch first build: {first}")
    for kind, (saves, reloads, written, rebuild_ms, catch_up) in results.items():
        print(f"{kind} edit: save -> all dependent files written: median {statistics.median(saves):.1f} ms "
              f"(min {min(saves):.1f}, max {max(saves):.1f}); rebuild itself median {statistics.median(rebuild_ms)} ms; "
              f"files written median {statistics.median(written):.0f}")
        if reloads:
            print(f"{kind} edit: save -> live-reload event: median {statistics.median(reloads):.1f} ms")
        print(f"{kind} edit: save -> deferred outputs caught up: median {statistics.median(catch_up):.0f} ms")


if __name__ == "__main__":
    main()
