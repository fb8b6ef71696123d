/* casebook: sorting and filtering of the metrics table (metrics.html).
 *
 * The table is complete static HTML; this script only reorders and hides its rows. Numeric
 * columns sort by the normalised value in each cell's data-v attribute (5.2 万户 = 52000), so
 * scale words compare correctly; empty cells always sort last. The view (sort column and
 * direction, filters) lives in the URL fragment, so a filtered view can be linked and
 * reopened, also from file://. No network, no modules, no innerHTML.
 */
(function () {
  "use strict";
  var table = document.getElementById("metric-table");
  var form = document.getElementById("metric-filters");
  if (!table || !form || !table.tHead || !table.tBodies.length) {
    return;
  }
  var tbody = table.tBodies[0];
  var status = document.getElementById("metric-status");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var keys = headers.map(function (th) { return th.getAttribute("data-key"); });
  var numeric = headers.map(function (th) { return th.getAttribute("data-type") === "num"; });
  var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
  var FILTERS = ["region", "department", "tag", "q"];
  var cache = {};

  var rows = Array.prototype.map.call(tbody.rows, function (tr, index) {
    var cells = tr.cells;
    var link = cells[0].querySelector("a");
    return {
      tr: tr,
      index: index,
      caseKey: link ? link.getAttribute("href") : cells[0].textContent,
      region: cells[1].textContent,
      department: cells[2].textContent,
      tags: Array.prototype.map.call(cells[3].querySelectorAll(".tag"), function (s) {
        return s.textContent;
      }),
      text: tr.textContent.toLowerCase()
    };
  });

  function sortValues(col) {
    if (!cache[col]) {
      cache[col] = rows.map(function (row) {
        var cell = row.tr.cells[col];
        if (!numeric[col]) {
          return cell.textContent;
        }
        var v = cell.getAttribute("data-v");
        var n = v === null || v === "" ? NaN : parseFloat(v);
        return isNaN(n) ? null : n;
      });
    }
    return cache[col];
  }

  function comparator(col, sign) {
    var values = sortValues(col);
    return function (a, b) {
      var x = values[a.index];
      var y = values[b.index];
      var empty = (x === null || x === "") - (y === null || y === "");
      if (empty !== 0) {
        return empty; // empty cells last in both directions
      }
      var c = numeric[col] ? (x < y ? -1 : x > y ? 1 : 0) : collator.compare(x, y);
      return c !== 0 ? sign * c : a.index - b.index;
    };
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var state = { sort: params.get("sort") || "", dir: params.get("dir") === "desc" ? "desc" : "asc" };
    FILTERS.forEach(function (name) { state[name] = params.get(name) || ""; });
    if (keys.indexOf(state.sort) < 0) {
      state.sort = "";
    }
    return state;
  }

  function writeHash(state) {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      if (state[name]) {
        params.set(name, state[name]);
      }
    });
    if (state.sort) {
      params.set("sort", state.sort);
      params.set("dir", state.dir);
    }
    var hash = params.toString();
    var url = location.href.replace(/#.*$/, "") + (hash ? "#" + hash : "");
    if (url === location.href) {
      return;
    }
    try {
      history.replaceState(null, "", url);
    } catch (e) {
      location.hash = hash;
    }
  }

  /* Puts the state into the form; a value the menus do not offer is dropped. */
  function syncControls(state) {
    FILTERS.forEach(function (name) {
      var control = form.elements[name];
      if (!control) {
        return;
      }
      control.value = state[name];
      if (control.value !== state[name]) {
        control.value = "";
        state[name] = "";
      }
    });
  }

  function readControls(state) {
    FILTERS.forEach(function (name) {
      var control = form.elements[name];
      state[name] = control ? control.value.trim() : "";
    });
    return state;
  }

  function apply(state) {
    syncControls(state);
    var words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = rows.filter(function (row) {
      return (!state.region || row.region === state.region) &&
        (!state.department || row.department === state.department) &&
        (!state.tag || row.tags.indexOf(state.tag) >= 0) &&
        words.every(function (w) { return row.text.indexOf(w) >= 0; });
    });
    var col = state.sort ? keys.indexOf(state.sort) : -1;
    if (col >= 0) {
      shown.sort(comparator(col, state.dir === "desc" ? -1 : 1));
    }
    headers.forEach(function (th, i) {
      if (i === col) {
        th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
    var fragment = document.createDocumentFragment();
    shown.forEach(function (row) { fragment.appendChild(row.tr); });
    tbody.textContent = "";
    tbody.appendChild(fragment);
    report(shown);
  }

  function report(shown) {
    if (!status) {
      return;
    }
    var cases = Object.create(null);
    var count = 0;
    shown.forEach(function (row) {
      if (!(row.caseKey in cases)) {
        cases[row.caseKey] = true;
        count += 1;
      }
    });
    status.textContent = (status.getAttribute("data-template") || "{shown} / {total}")
      .replace("{shown}", String(shown.length))
      .replace("{total}", String(rows.length))
      .replace("{cases}", String(count));
  }

  var state = readHash();

  function update() {
    writeHash(state);
    apply(state);
  }

  headers.forEach(function (th, i) {
    if (!keys[i]) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort-button";
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    th.appendChild(button);
    button.addEventListener("click", function () {
      if (state.sort === keys[i]) {
        state.dir = state.dir === "asc" ? "desc" : "asc";
      } else {
        state.sort = keys[i];
        state.dir = "asc";
      }
      update();
    });
  });

  var timer = null;
  form.addEventListener("change", function () {
    readControls(state);
    update();
  });
  form.addEventListener("input", function (event) {
    if (event.target.name !== "q") {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(function () {
      readControls(state);
      update();
    }, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    readControls(state);
    update();
  });
  form.addEventListener("reset", function () {
    setTimeout(function () {
      readControls(state);
      update();
    }, 0);
  });
  window.addEventListener("hashchange", function () {
    state = readHash();
    apply(state);
  });

  form.hidden = false;
  apply(state);
})();
