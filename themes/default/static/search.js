/* casebook search: queries the index that src/search/ writes, from disk or from a server.
 *
 * Index files are plain scripts calling __casebookSearch.register(hash, name, data): over
 * file:// there is no fetch() and no module import, but a <script> tag always loads. The root
 * file is named on this script's tag (data-index) and lists every other file's content hash;
 * shards are loaded on demand, only those a query's tokens hash to, and display data only for
 * the results shown. Tokenising mirrors
 * src/search/tokenize.rs rule for rule (both are tested against the same vectors).
 * Indexed text is put on the page with textContent only, never as HTML. */
(function () {
  "use strict";

  /* ---- tokenising: the rules of src/search/tokenize.rs ---- */

  function isCjk(cp) {
    return (cp >= 0x3005 && cp <= 0x3007) || (cp >= 0x3040 && cp <= 0x30ff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
      (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0x20000 && cp <= 0x2fa1f);
  }
  var WORD_CHAR = /^[\p{Alphabetic}\p{N}]$/u;

  function normalize(text) {
    return text.normalize("NFKC").toLowerCase();
  }

  /* Tokens as [text, position]; `index` mode adds every single CJK character. */
  function tokenize(text, index) {
    var tokens = [], position = 0, word = "", run = [], gap = false;
    function flushWord() {
      if (word) { tokens.push([word, position]); position += 1; word = ""; }
    }
    function flushRun() {
      if (!run.length) return;
      for (var i = 0; i < run.length; i++) {
        if (index || run.length === 1) tokens.push([run[i], position + i]);
        if (i + 1 < run.length) tokens.push([run[i] + run[i + 1], position + i]);
      }
      position += run.length;
      run = [];
    }
    for (var c of normalize(text)) {
      if (isCjk(c.codePointAt(0))) {
        flushWord();
        run.push(c);
      } else if (WORD_CHAR.test(c)) {
        flushRun();
        word += c;
      } else {
        gap = gap || word !== "" || run.length > 0;
        flushWord();
        flushRun();
        continue;
      }
      if (gap) { position += 1; gap = false; }
    }
    flushWord();
    flushRun();
    return tokens;
  }

  function isCjkToken(token) {
    return isCjk(token.codePointAt(0));
  }
  /* Single CJK characters are indexed without positions (see src/search/mod.rs). */
  function hasPositions(token) {
    return !(isCjkToken(token) && Array.from(token).length === 1);
  }

  /* ---- encoding: src/search/encode.rs ---- */

  var ALPHABET = "0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ!#$%()";
  var DIGIT = {};
  for (var d = 0; d < ALPHABET.length; d++) DIGIT[ALPHABET.charCodeAt(d)] = d;

  function decode(text) {
    var out = [], value = 0, shift = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = DIGIT[text.charCodeAt(i)];
      if (digit === undefined) throw new Error("casebook search: corrupt index data");
      value += (digit & 31) * Math.pow(2, shift);
      if (digit < 32) { out.push(value); value = 0; shift = 0; } else { shift += 5; }
    }
    return out;
  }

  function fnv1a(text) {
    var bytes = new TextEncoder().encode(text), hash = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      hash ^= bytes[i];
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
  }

  function shardKey(token) {
    if (isCjkToken(token)) return token;
    return Array.from(token).slice(0, 2).join("");
  }

  /* ---- ranking ---- */

  /* A case's weight in the postings is the sum over fields of boost * impact (1..MAX_IMPACT). */
  var K1 = 1.2, MAX_IMPACT = 31, PREFIX_WEIGHT = 0.8, PREFIX_LIMIT = 64;

  /* One token's postings: {docs: Map doc -> score, order: [doc, …]}. Each case is
   * `weight * 4 + min(delta - 1, 3)`, then `delta - 4` when that was 3 (src/search/postings.rs). */
  function decodePostings(data) {
    var n = decode(data), docs = new Map(), order = [], doc = -1, i = 0;
    while (i < n.length) {
      var v = n[i++], step = v % 4;
      doc += step + 1;
      if (step === 3) doc += n[i++];
      docs.set(doc, Math.floor(v / 4) / MAX_IMPACT * (K1 + 1));
      order.push(doc);
    }
    return { docs: docs, order: order };
  }

  /* Positions of a token, in its postings' case order: for each case, groups of field + 1,
   * count, deltas, then 0. Returns Map doc -> {field: [positions]}. */
  function decodePositions(postings, data) {
    var n = decode(data), out = new Map(), i = 0;
    postings.order.forEach(function (doc) {
      var fields = {}, field;
      while (i < n.length && (field = n[i++]) !== 0) {
        var count = n[i++], list = [], p = 0;
        for (var k = 0; k < count; k++) { p += n[i++]; list.push(p); }
        fields[field - 1] = list;
      }
      out.set(doc, fields);
    });
    return out;
  }

  function idf(total, df) {
    return Math.log(1 + (total - df + 0.5) / (df + 0.5));
  }

  /* Query terms: each token of the query, the last word also as a prefix. */
  function queryTerms(query) {
    var tokens = tokenize(query, false), seen = {}, terms = [];
    var endsInWord = /[\p{Alphabetic}\p{N}]$/u.test(normalize(query));
    tokens.forEach(function (t, i) {
      var prefix = i === tokens.length - 1 && endsInWord && !isCjkToken(t[0]) &&
        Array.from(t[0]).length >= 2;
      var key = t[0] + (prefix ? "*" : "");
      if (seen[key]) { seen[key].offsets.push(t[1]); return; }
      seen[key] = { token: t[0], prefix: prefix, offsets: [t[1]] };
      terms.push(seen[key]);
    });
    return terms;
  }

  /* ---- loading ---- */

  var script = typeof document !== "undefined" ? document.currentScript : null;
  var base = script ? script.getAttribute("data-root") || "" : "";
  var rootFile = script ? script.getAttribute("data-index") : null;
  var state = { data: {}, waiting: {}, loading: {}, loaded: [], postings: {} };

  /* Index files are named and registered with a hash of their content (shared by each group
   * of root.file_group shards), which the root lists (src/search/mod.rs): a file whose hash
   * is not the root's is from another build. */
  var HASH_CHARS = 7;
  function fileHash(root, name) {
    var kind = name.charAt(0), shard = name.length > 1 ? Number(name.slice(1)) : 0;
    var list = root.files[kind] || "", group = Math.floor(shard / root.file_group);
    return list.substr(group * HASH_CHARS, HASH_CHARS);
  }

  var registry = {
    register: function (hash, name, data) {
      if (name === "root") { if (!state.data.root) state.data.root = data; return; }
      if (state.data.root && hash === fileHash(state.data.root, name)) state.data[name] = data; /* never mix builds */
    }
  };
  if (typeof window !== "undefined") window.__casebookSearch = registry;

  function loadScript(name, src) {
    if (state.data[name]) return Promise.resolve(state.data[name]);
    if (state.loading[name]) return state.loading[name];
    state.loading[name] = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.charset = "utf-8";
      tag.onload = function () {
        if (state.data[name]) { state.loaded.push(src); resolve(state.data[name]); }
        else reject(new Error("casebook search: " + src + " is from another build; reload the page"));
      };
      tag.onerror = function () {
        delete state.loading[name];
        reject(new Error("casebook search: cannot load " + src));
      };
      document.head.appendChild(tag);
    });
    return state.loading[name];
  }

  function loadRoot() {
    if (!rootFile) return Promise.reject(new Error("casebook search: no index on this page"));
    return loadScript("root", base + rootFile);
  }

  function loadPart(name) {
    return loadRoot().then(function () {
      return loadScript(name, base + "search/" + name + "-" + fileHash(state.data.root, name) + ".js");
    });
  }

  function loadFacets() {
    return loadPart("f").then(function (data) {
      if (state.facets) return state.facets;
      var n = decode(data), root = state.data.root, docs = [], i = 0;
      while (i < n.length) {
        var doc = { region: n[i], department: n[i + 1], tags: [] }, count = n[i + 2];
        i += 3;
        for (var k = 0; k < count; k++) doc.tags.push(n[i++]);
        docs.push(doc);
      }
      state.facets = { docs: docs, names: { region: root.regions, department: root.departments, tag: root.tags } };
      return state.facets;
    });
  }

  /* The shard (`p` postings or `q` positions) that holds `token`. */
  function shardOf(kind, token) {
    var root = state.data.root, count = kind === "p" ? root.shards : root.position_shards;
    return loadPart(kind + (fnv1a(shardKey(token)) % count));
  }

  function cached(kind, token, make) {
    var key = kind + ":" + token;
    if (!state.postings[key]) state.postings[key] = make();
    return state.postings[key];
  }

  /* A term's matches: {docs: Map doc -> score, tokens: [its expansions], df}. */
  function termMatches(term, data, total) {
    var tokens = [];
    if (data[term.token] !== undefined) tokens.push(term.token);
    if (term.prefix) {
      Object.keys(data).sort().forEach(function (t) {
        if (t !== term.token && t.indexOf(term.token) === 0 && tokens.length < PREFIX_LIMIT) tokens.push(t);
      });
    }
    var docs = new Map(), df = 0, idfs = {};
    tokens.forEach(function (t) {
      var postings = cached("p", t, function () { return decodePostings(data[t]); });
      var weight = idf(total, postings.docs.size) * (t === term.token ? 1 : PREFIX_WEIGHT);
      df += postings.docs.size;
      idfs[t] = weight;
      postings.docs.forEach(function (score, doc) {
        docs.set(doc, Math.max(docs.get(doc) || 0, score * weight));
      });
    });
    return { term: term, docs: docs, tokens: tokens, df: df, idf: Math.max.apply(null, [0].concat(tokens.map(function (t) { return idfs[t]; }))) };
  }

  /* Whether the index keeps positions for `token`: not for single CJK characters, and not,
   * on large collections, for tokens in more cases than the root's position_max_df. */
  function tokenHasPositions(token) {
    var postings = state.postings["p:" + token];
    return hasPositions(token) && !!postings && postings.docs.size <= state.data.root.position_max_df;
  }

  /* Which terms' positions are checked for adjacency: the two rarest of those with positions
   * (theirs are the smallest to load; two adjacent rare tokens are strong evidence). A term's
   * expansions without positions are left out of the check. */
  function adjacencyTerms(matches) {
    var positional = matches.filter(function (m) {
      m.positionTokens = m.tokens.filter(tokenHasPositions);
      return m.positionTokens.length > 0;
    });
    if (positional.length < 2) return [];
    return positional.slice().sort(function (a, b) { return a.df - b.df; }).slice(0, 2);
  }

  /* Positions of a term in a case, per field: the union over its expansions. */
  function termPositions(m, doc) {
    var out = {};
    m.positions.forEach(function (byDoc) {
      var fields = byDoc.get(doc);
      if (!fields) return;
      Object.keys(fields).forEach(function (f) { out[f] = (out[f] || []).concat(fields[f]); });
    });
    return out;
  }

  /* Bonus for each candidate whose chosen terms sit at their query offsets in one field:
   * the field's boost times the terms' idf. Returns a Promise of Map doc -> bonus. */
  function adjacency(matches, candidates) {
    var chosen = adjacencyTerms(matches), bonus = new Map();
    if (!chosen.length || !candidates.length) return Promise.resolve(bonus);
    var loads = [];
    chosen.forEach(function (m) {
      m.positionTokens.forEach(function (t) {
        loads.push(shardOf("q", t).then(function (data) {
          var postings = state.postings["p:" + t];
          return cached("q", t, function () { return decodePositions(postings, data[t] || ""); });
        }));
      });
    });
    return Promise.all(loads).then(function (lists) {
      var k = 0;
      chosen.forEach(function (m) {
        m.positions = lists.slice(k, k + m.positionTokens.length);
        k += m.positionTokens.length;
      });
      var idfSum = chosen[0].idf + chosen[1].idf;
      var pairs = [];
      chosen[0].term.offsets.forEach(function (a) {
        chosen[1].term.offsets.forEach(function (b) { pairs.push(b - a); });
      });
      candidates.forEach(function (doc) {
        var first = termPositions(chosen[0], doc), second = termPositions(chosen[1], doc), best = 0;
        var boosts = state.data.root.boosts;
        Object.keys(first).forEach(function (f) {
          if (!second[f] || boosts[f] <= best) return;
          var at = new Set(second[f]);
          var found = first[f].some(function (p) {
            return pairs.some(function (d) { return at.has(p + d); });
          });
          if (found) best = boosts[f];
        });
        if (best) bonus.set(doc, best * idfSum);
      });
      return bonus;
    });
  }

  var FACETS = ["region", "department", "tag"];

  function matchesFilters(facet, filters) {
    return FACETS.every(function (kind) {
      var wanted = filters[kind];
      if (wanted === undefined || wanted === null || wanted === "") return true;
      var names = state.facets.names[kind];
      var values = kind === "tag" ? facet.tags : [facet[kind]];
      var list = Array.isArray(wanted) ? wanted : [wanted];
      return list.some(function (w) { return values.some(function (v) { return names[v] === w; }); });
    });
  }

  function facetCounts(docs) {
    var counts = { region: {}, department: {}, tag: {} }, names = state.facets.names;
    docs.forEach(function (doc) {
      var f = state.facets.docs[doc];
      counts.region[names.region[f.region]] = (counts.region[names.region[f.region]] || 0) + 1;
      counts.department[names.department[f.department]] = (counts.department[names.department[f.department]] || 0) + 1;
      f.tags.forEach(function (t) { counts.tag[names.tag[t]] = (counts.tag[names.tag[t]] || 0) + 1; });
    });
    var out = {};
    FACETS.forEach(function (kind) {
      out[kind] = Object.keys(counts[kind]).map(function (name) { return [name, counts[kind][name]]; })
        .sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
    });
    return out;
  }

  function hasFilters(filters) {
    return FACETS.some(function (k) { return filters[k] !== undefined && filters[k] !== null && filters[k] !== ""; });
  }

  /* Ranked matches of `query`: {hits: [{doc, score}], facets, terms}. Every term must match.
   * Facet data is loaded only when filtering or when facet counts are asked for. */
  function run(query, filters, wantFacets) {
    var terms = queryTerms(query);
    filters = filters || {};
    var needFacets = wantFacets || hasFilters(filters);
    if (!terms.length) return loadRoot().then(function () { return { hits: [], facets: null, terms: terms }; });
    var matches;
    return loadRoot().then(function () {
      return Promise.all([needFacets ? loadFacets() : null].concat(terms.map(function (t) { return shardOf("p", t.token); })));
    }).then(function (loaded) {
      var total = state.data.root.docs;
      matches = terms.map(function (term, i) { return termMatches(term, loaded[i + 1], total); });
      var smallest = matches.reduce(function (a, b) { return a.docs.size <= b.docs.size ? a : b; });
      var candidates = [];
      smallest.docs.forEach(function (_, doc) {
        if (!matches.every(function (m) { return m.docs.has(doc); })) return;
        if (needFacets && !matchesFilters(state.facets.docs[doc], filters)) return;
        candidates.push(doc);
      });
      return adjacency(matches, candidates).then(function (bonus) {
        var hits = candidates.map(function (doc) {
          var score = bonus.get(doc) || 0;
          matches.forEach(function (m) { score += m.docs.get(doc); });
          return { doc: doc, score: Math.round(score * 1000) / 1000 };
        });
        hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
        return {
          hits: hits,
          facets: needFacets ? facetCounts(candidates) : null,
          terms: terms
        };
      });
    });
  }

  /* Titles and snippet texts are character ranks in the table `t`, or the table's length plus
   * the code point of a character it lacks (src/search/display.rs). */
  function decodeText(text, table) {
    var n = decode(text), out = "";
    for (var i = 0; i < n.length; i++) {
      if (n[i] < table.length) { out += table[n[i]]; continue; }
      var cp = n[i] - table.length;
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error("casebook search: corrupt index data");
      out += String.fromCodePoint(cp);
    }
    return out;
  }

  function loadTable() {
    return loadPart("t").then(function (data) {
      if (!state.table) state.table = Array.from(data);
      return state.table;
    });
  }

  /* What a result shows: {url, title, region, department, text}. */
  function display(doc) {
    var root = state.data.root, per = root.display_shard_cases, shard = Math.floor(doc / per);
    return Promise.all([loadPart("d" + shard), loadTable()]).then(function (loaded) {
      var d = loaded[0][doc - shard * per], table = loaded[1];
      return {
        url: d[0], title: decodeText(d[1], table), region: root.regions[d[2]],
        department: root.departments[d[3]], text: decodeText(d[4], table)
      };
    });
  }

  /* ---- snippets ---- */

  var SNIPPET_CHARS = 110, CONTEXT_CHARS = 24;

  /* Snippet of `text` around the best match: [[text, matched], …]. */
  function snippetParts(text, terms) {
    var chars = Array.from(text.replace(/\s+/g, " ")), norm = "", owner = [];
    chars.forEach(function (c, i) {
      var n = normalize(c);
      for (var k = 0; k < n.length; k++) owner.push(i);
      norm += n;
    });
    var marks = new Array(chars.length).fill(false), events = [];
    terms.forEach(function (term, t) {
      var needle = term.token, from = 0, found;
      while ((found = norm.indexOf(needle, from)) !== -1 && events.length < 2000) {
        from = found + 1;
        var before = found > 0 ? norm[found - 1] : "";
        if (!isCjkToken(needle) && before && WORD_CHAR.test(before)) continue;
        var end = found + needle.length;
        if (!term.prefix && !isCjkToken(needle) && end < norm.length && WORD_CHAR.test(norm[end])) continue;
        while (term.prefix && end < norm.length && WORD_CHAR.test(norm[end])) end++;
        for (var k = found; k < end; k++) marks[owner[k]] = true;
        events.push({ at: owner[found], term: t });
      }
    });
    var start = 0, best = -1;
    events.forEach(function (e) {
      var seen = {}, count = 0;
      events.forEach(function (f) {
        if (f.at >= e.at && f.at < e.at + SNIPPET_CHARS - CONTEXT_CHARS && !seen[f.term]) { seen[f.term] = 1; count++; }
      });
      if (count > best) { best = count; start = Math.max(0, e.at - CONTEXT_CHARS); }
    });
    var end = Math.min(chars.length, start + SNIPPET_CHARS), parts = [];
    if (start > 0) parts.push(["…", false]);
    for (var i = start; i < end; i++) {
      var last = parts[parts.length - 1];
      if (last && last[1] === marks[i]) last[0] += chars[i];
      else parts.push([chars[i], marks[i]]);
    }
    if (end < chars.length) parts.push(["…", false]);
    return parts;
  }

  /* ---- the public API ---- */

  function results(query, options) {
    options = options || {};
    var limit = options.limit === undefined ? 10 : options.limit, offset = options.offset || 0;
    return run(query, options.filters, options.facets).then(function (found) {
      var page = found.hits.slice(offset, offset + limit);
      return Promise.all(page.map(function (h) { return display(h.doc); })).then(function (shown) {
        return {
          total: found.hits.length,
          facets: found.facets,
          results: page.map(function (h, i) {
            var d = shown[i], parts = snippetParts(d.text, found.terms);
            return {
              url: d.url, title: d.title, region: d.region, department: d.department, score: h.score,
              snippet: parts.map(function (p) { return p[0]; }).join(""), parts: parts,
              titleParts: snippetParts(d.title, found.terms)
            };
          })
        };
      });
    });
  }

  var api = {
    search: function (query, options) {
      return results(query, options).then(function (r) {
        return r.results.map(function (x) {
          return { url: x.url, title: x.title, region: x.region, department: x.department, snippet: x.snippet, score: x.score };
        });
      });
    },
    /* Results with totals and facet counts, as the search page shows them. */
    query: results,
    /* Index files loaded so far (for the benchmark). */
    loadedFiles: function () { return state.loaded.slice(); }
  };

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { fileHash: fileHash, tokenize: tokenize, decode: decode, decodeText: decodeText, decodePostings: decodePostings, decodePositions: decodePositions, fnv1a: fnv1a, shardKey: shardKey, queryTerms: queryTerms, snippetParts: snippetParts };
  }
  if (typeof window === "undefined") return;
  window.casebook = api;

  /* ---- the page ---- */

  function focusSearch(event) {
    var target = event.target, typing = target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key !== "/" || typing || event.ctrlKey || event.metaKey || event.altKey) return;
    var box = document.getElementById("search-q") || document.getElementById("search-box");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  }
  document.addEventListener("keydown", focusSearch);

  var app = document.getElementById("search-app");
  if (app) startPage(app);

  function startPage(app) {
    var input = document.getElementById("search-q"), list = document.getElementById("search-results");
    var status = document.getElementById("search-status"), facetBox = document.getElementById("search-facets");
    var more = document.getElementById("search-more"), form = input.form;
    var params = new URLSearchParams(location.search), filters = {}, shown = 0, generation = 0, timer = null;
    var PAGE = 10;
    FACETS.forEach(function (k) { if (params.get(k)) filters[k] = params.get(k); });
    input.value = params.get("q") || "";
    var header = document.getElementById("search-box");
    if (header) header.value = input.value;

    function updateUrl() {
      var p = new URLSearchParams();
      if (input.value) p.set("q", input.value);
      FACETS.forEach(function (k) { if (filters[k]) p.set(k, filters[k]); });
      var query = p.toString();
      try { history.replaceState(null, "", location.pathname + (query ? "?" + query : "")); } catch (e) { /* some browsers refuse on file:// */ }
    }

    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }

    function appendParts(node, parts) {
      parts.forEach(function (p) {
        if (p[1]) node.appendChild(el("mark", null, p[0]));
        else node.appendChild(document.createTextNode(p[0]));
      });
    }

    function renderResult(r, index) {
      var li = el("li", "search-result"), h = el("h2", "search-result-title"), a = el("a");
      a.href = base + r.url;
      a.setAttribute("data-index", String(index));
      appendParts(a, r.titleParts);
      h.appendChild(a);
      li.appendChild(h);
      li.appendChild(el("p", "meta", r.region + " · " + r.department));
      var snippet = el("p", "search-snippet");
      appendParts(snippet, r.parts);
      li.appendChild(snippet);
      return li;
    }

    function renderFacets(facets) {
      facetBox.textContent = "";
      if (!facets) { facetBox.hidden = true; return; }
      FACETS.forEach(function (kind) {
        var values = facets[kind].slice(0, 12);
        if (filters[kind] && !values.some(function (v) { return v[0] === filters[kind]; })) values.unshift([filters[kind], 0]);
        if (!values.length) return;
        var group = el("fieldset", "search-facet");
        group.appendChild(el("legend", null, app.getAttribute("data-" + kind)));
        values.forEach(function (v) {
          var button = el("button", "facet-value");
          button.type = "button";
          button.setAttribute("data-facet", kind);
          button.setAttribute("data-value", v[0]);
          button.setAttribute("aria-pressed", filters[kind] === v[0] ? "true" : "false");
          button.appendChild(document.createTextNode(v[0] + " "));
          button.appendChild(el("span", "count", "(" + v[1] + ")"));
          button.addEventListener("click", function () {
            if (filters[kind] === v[0]) delete filters[kind]; else filters[kind] = v[0];
            update();
          });
          group.appendChild(button);
        });
        facetBox.appendChild(group);
      });
      facetBox.hidden = !facetBox.childNodes.length;
    }

    function show(offset) {
      var mine = ++generation, query = input.value;
      /* Results first; the facet counts (one more file on large sites) follow. */
      return results(query, { limit: PAGE, offset: offset, filters: filters }).then(function (r) {
        if (mine !== generation) return;
        if (offset === 0) { list.textContent = ""; shown = 0; }
        r.results.forEach(function (x) { list.appendChild(renderResult(x, shown++)); });
        more.hidden = shown >= r.total;
        if (offset === 0 && query.trim() && (r.total || hasFilters(filters))) {
          run(query, filters, true).then(function (f) { if (mine === generation) renderFacets(f.facets); });
        } else if (offset === 0) {
          renderFacets(null);
        }
        app.setAttribute("data-state", r.total ? "results" : (query.trim() ? "empty" : "idle"));
        status.textContent = !query.trim() ? "" : r.total
          ? app.getAttribute("data-count").replace("{n}", String(r.total))
          : app.getAttribute("data-none");
      }).catch(function (e) {
        if (mine !== generation) return;
        status.textContent = String(e.message || e);
        app.setAttribute("data-state", "error");
      });
    }

    function update() {
      updateUrl();
      return show(0);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 80);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); update(); });
    more.addEventListener("click", function () { show(shown); });

    function links() { return Array.prototype.slice.call(list.querySelectorAll(".search-result-title a")); }
    app.addEventListener("keydown", function (e) {
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      var all = links(), at = all.indexOf(document.activeElement);
      if (!all.length || (at === -1 && document.activeElement !== input)) return;
      e.preventDefault();
      var next = e.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) input.focus();
      else all[Math.min(next, all.length - 1)].focus();
    });

    loadRoot().catch(function () {});
    if (input.value) update();
    else app.setAttribute("data-state", "idle");
  }
})();
