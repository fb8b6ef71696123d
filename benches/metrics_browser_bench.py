#!/usr/bin/env python3
"""How fast metrics.html is in a browser: load, sort and filter over file://.

    benches/metrics_browser_bench.py PUBLIC_DIR [--runs 3]

PUBLIC_DIR is a built site (e.g. `casebook build --root <corpus> --output PUBLIC_DIR` with a
corpus from benches/gen_corpus.py). Drives headless Chromium through chromedriver (Debian's
`chromium` and `chromium-driver`) and reports, best of --runs, in milliseconds:

- load: navigation start to the end of the load event (parsing, first layout, metrics.js setup);
- sort: clicking the "after" column header until the table is laid out again;
- filter: choosing the first region until the table is laid out again;
- full relayout: putting every row back into the table and laying it out, i.e. what each
  sort or filter would cost if the script kept all rows in the document.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time
import urllib.request

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

TIMED = """
var t = performance.now();
(function () { %s })();
document.body.offsetHeight;
return performance.now() - t;
"""

SORT = "document.querySelector(\"th[data-key='after'] button\").click();"
FILTER = ("var s = document.querySelector('select[name=region]'); s.selectedIndex = 1;"
          "s.dispatchEvent(new Event('change', {bubbles: true}));")
RELAYOUT = ("var tb = document.querySelector('#metric-table tbody');"
            "var all = document.getElementById('metric-table');"
            "var rows = Array.prototype.slice.call(document.querySelectorAll('#metric-table tbody tr'));"
            "all.removeChild(tb); tb.textContent = '';"
            "window.__rows.forEach(function (r) { tb.appendChild(r); }); all.appendChild(tb);")
KEEP_ROWS = ("window.__rows = Array.prototype.slice.call("
             "document.querySelectorAll('#metric-table tbody tr'));")


class Driver:
    def __init__(self):
        self.port = 9700 + os.getpid() % 200
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        profile = tempfile.mkdtemp()
        options = {"binary": "/usr/bin/chromium", "args": CHROME_ARGS + [f"--user-data-dir={profile}"]}
        session = self.call("POST", "/session",
                            {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}})
        self.session = f"/session/{session['sessionId']}"
        self.call("POST", self.session + "/timeouts", {"script": 600000, "pageLoad": 600000})

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=900) as response:
            return json.loads(response.read())["value"]

    def run(self, script):
        return self.call("POST", self.session + "/execute/sync", {"script": script, "args": []})

    def close(self):
        try:
            self.call("DELETE", self.session)
        finally:
            self.proc.kill()


def measure(driver, url):
    driver.call("POST", driver.session + "/url", {"url": "about:blank"})
    driver.call("POST", driver.session + "/url", {"url": url})
    load = driver.run("var t = performance.getEntriesByType('navigation')[0];"
                      "return t.loadEventEnd - t.startTime;")
    rows = driver.run("return document.querySelectorAll('#metric-table tbody tr').length;")
    sort = driver.run(TIMED % SORT)
    filt = driver.run(TIMED % FILTER)
    driver.run("document.querySelector('select[name=region]').selectedIndex = 0;"
               "document.querySelector('select[name=region]').dispatchEvent("
               "new Event('change', {bubbles: true}));")
    driver.run("document.querySelector('#metric-more [data-all]').click();" + KEEP_ROWS)
    total = driver.run("return window.__rows.length;")
    relayout = driver.run(TIMED % RELAYOUT)
    return {"load": load, "rows in document": rows, "rows": total, "sort": sort,
            "filter": filt, "full relayout": relayout}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("public")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    url = "file://" + os.path.abspath(os.path.join(args.public, "metrics.html"))
    driver = Driver()
    try:
        results = [measure(driver, url) for _ in range(args.runs)]
    finally:
        driver.close()
    best = {key: min(r[key] for r in results) for key in results[0]}
    print("| metric rows | rows in the document | load | sort | filter | full relayout |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {best['rows']:,} | {best['rows in document']:,} | {best['load']:,.0f} ms "
          f"| {best['sort']:,.0f} ms | {best['filter']:,.0f} ms | {best['full relayout']:,.0f} ms |")


if __name__ == "__main__":
    main()
