// Runs static/search.js in Node against a built site: <script> tags become file reads.
// Usage: node harness.js SITE_DIR 'query' [filters-json [files]]  -> prints results as JSON.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");

function loadSearch(site) {
  const html = fs.readFileSync(path.join(site, "search.html"), "utf8");
  const index = /data-index="([^"]+)"/.exec(html)[1];
  const context = { console, TextEncoder, URLSearchParams, Promise, setTimeout, clearTimeout };
  const head = {
    appendChild(tag) {
      setImmediate(() => {
        try {
          vm.runInContext(fs.readFileSync(path.join(site, tag.src), "utf8"), context);
          tag.onload();
        } catch (e) {
          tag.onerror(e);
        }
      });
    },
  };
  context.document = {
    currentScript: { getAttribute: (n) => ({ "data-root": "", "data-index": index })[n] },
    createElement: () => ({}),
    head,
    addEventListener() {},
    getElementById: () => null,
  };
  context.window = context;
  vm.createContext(context);
  const source = fs.readFileSync(path.join(site, "static/search.js"), "utf8");
  vm.runInContext(source, context);
  return context.casebook;
}

module.exports = { loadSearch };

if (require.main === module) {
  // With a fourth argument `files`, prints {results, files}: the index files it loaded.
  const [site, query, filters, extra] = process.argv.slice(2);
  const api = loadSearch(site);
  api
    .search(query, { limit: extra === "files" ? 10 : 50, filters: filters ? JSON.parse(filters) : {} })
    .then((r) => console.log(JSON.stringify(extra === "files" ? { results: r, files: api.loadedFiles() } : r, null, 1)),
      (e) => { console.error(e); process.exit(1); });
}
