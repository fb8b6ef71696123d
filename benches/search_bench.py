#!/usr/bin/env python3
"""Search benchmark: bytes loaded and time to first results in headless Chromium over file://.

    benches/search_bench.py SITE_DIR [QUERY ...]

SITE_DIR is a built site (public/). For each query, a fresh search.html is opened from disk;
the query is submitted through the page's own form, and the time until the first result is
on screen is measured in the page (performance.now()). Bytes are the sizes on disk of
search.js, the index root and every index file the page's loader injected (the loader lists
them: file:// has no Resource Timing sizes). Run through benches/search_bench.sh. Prints a
Markdown table; it is a measurement, not a test: nothing here fails on a slow number.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

QUERIES = ["审批", "企业", "不动产", "区块链", "信用", "一窗受理", "企业开办", "数据共享", "政务服务", "营商环境"]
RUNS = 3


class Driver:
    def __init__(self):
        port = free_port()
        self.proc = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/status")
                break
            except OSError:
                time.sleep(0.1)
        self.profile = tempfile.mkdtemp()
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome",
                                                 "goog:chromeOptions": {"args": args}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        url = self.base + (path if path == "/session" else f"/session/{self.session}{path}")
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())["value"]

    def goto(self, url):
        self.call("POST", "/url", {"url": url})

    def run_async(self, script, *args):
        return self.call("POST", "/execute/async", {"script": script, "args": list(args)})

    def close(self):
        try:
            self.call("DELETE", "")
        finally:
            self.proc.kill()
            self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Submits the query through the page's form and resolves when the first result is shown.
MEASURE = """
const [query, done] = [arguments[0], arguments[arguments.length - 1]];
const start = () => {
  const list = document.getElementById('search-results'), app = document.getElementById('search-app');
  const input = document.getElementById('search-q');
  const t0 = performance.now();
  const finish = () => done({ms: performance.now() - t0, state: app.getAttribute('data-state'),
    results: list.children.length, files: window.casebook.loadedFiles()});
  new MutationObserver((_, obs) => {
    if (list.children.length || app.getAttribute('data-state') === 'empty') { obs.disconnect(); finish(); }
  }).observe(app, {childList: true, subtree: true, attributes: true});
  input.value = query;
  input.form.requestSubmit();
};
const ready = () => window.casebook && window.casebook.loadedFiles().length ? start() : setTimeout(ready, 5);
ready();
"""

# The JS API alone (no facet counts): what `casebook.search` loads for ten results.
API = """
const [query, done] = [arguments[0], arguments[arguments.length - 1]];
const go = () => {
  const t0 = performance.now();
  window.casebook.search(query, {limit: 10}).then(r => done({ms: performance.now() - t0,
    results: r.length, files: window.casebook.loadedFiles()}));
};
const ready = () => window.casebook && window.casebook.loadedFiles().length ? go() : setTimeout(ready, 5);
ready();
"""


def size(site, url_path):
    return os.path.getsize(os.path.join(site, url_path))


def main():
    site = os.path.abspath(sys.argv[1])
    queries = sys.argv[2:] or QUERIES
    page = "file://" + os.path.join(site, "search.html")
    html = open(os.path.join(site, "search.html"), encoding="utf-8").read()
    root = html.split('data-index="')[1].split('"')[0]
    before = size(site, "static/search.js") + size(site, root)
    driver = Driver()
    try:
        print(f"before the first query: search.js + root = {before / 1024:.1f} kB\n")
        print("| query | results | bytes, page (kB) | bytes, API (kB) | first results, page (ms, median of %d) | API (ms) |" % RUNS)
        print("|---|---:|---:|---:|---:|---:|")
        for q in queries:
            times, api_times = [], []
            for _ in range(RUNS):
                driver.goto(page)
                m = driver.run_async(MEASURE, q)
                times.append(m["ms"])
                driver.goto(page)
                a = driver.run_async(API, q)
                api_times.append(a["ms"])
            page_bytes = before + sum(size(site, f) for f in m["files"] if f != root)
            api_bytes = before + sum(size(site, f) for f in a["files"] if f != root)
            total = m["results"] if m["state"] == "results" else 0
            print(f"| {q} | {total if total < 20 else '20+'} | {page_bytes / 1024:.0f} | {api_bytes / 1024:.0f} "
                  f"| {statistics.median(times):.0f} | {statistics.median(api_times):.0f} |")
    finally:
        driver.close()


if __name__ == "__main__":
    main()
