//! Search: the JavaScript side against the Rust side (through Node), the default site's
//! budget and known queries, and the search page in headless Chromium over file:// and over
//! a real local web server on a fixture whose result order is known.

mod common;

use std::path::Path;
use std::process::Command;

use common::browser::{file_url, Browser, StaticServer};
use common::*;
use serde_json::{json, Value};

/// Runs a Node script; `None` (skipped, with a note) when node is missing outside CI.
fn node(args: &[&str]) -> Option<String> {
    match Command::new("node").args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "node {args:?} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping: node is not available ({e})");
            None
        }
        Err(e) => panic!("node is required in CI: {e}"),
    }
}

fn script(name: &str) -> String {
    fixture("../search_js").join(name).display().to_string()
}

/// Result URLs of `query` on a built site, ranked by static/search.js running in Node.
fn node_search(site: &Path, query: &str, filters: Value) -> Option<Vec<String>> {
    let out = node(&[
        &script("harness.js"),
        &site.display().to_string(),
        query,
        &filters.to_string(),
    ])?;
    let results: Vec<Value> = serde_json::from_str(&out).unwrap();
    Some(
        results
            .iter()
            .map(|r| r["url"].as_str().unwrap().to_string())
            .collect(),
    )
}

fn build_fixture() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("search_site"), out.path()).unwrap();
    out
}

#[test]
fn js_tokeniser_matches_the_shared_vectors() {
    if let Some(out) = node(&[&script("vectors.js")]) {
        assert!(out.starts_with("ok:"), "{out}");
    }
}

/// Expected orders on the fixture, the same in Node as in the browser tests below.
const EXPECTED: &[(&str, &[&str])] = &[
    // 002 has the four characters together; 001 has more of the bigrams, far apart.
    ("并联审批", &["cases/002.html", "cases/001.html"]),
    // Without adjacency (a space between the words) 001's higher counts win.
    ("并联 审批", &["cases/001.html", "cases/002.html"]),
    // A title match outranks a body match; the last word is a prefix.
    ("permit", &["cases/003.html", "cases/004.html"]),
    ("perm", &["cases/003.html", "cases/004.html"]),
    // Full-width ＣＭＡ in the text, ASCII in the query.
    ("cma", &["cases/005.html"]),
    ("ＣＭＡ认证", &["cases/005.html"]),
    ("e拍", &["cases/006.html"]),
    ("拍即得", &["cases/006.html"]),
    ("zzzqqq", &[]),
];

#[test]
fn ranking_in_node_matches_the_expected_order() {
    let out = build_fixture();
    for (query, expected) in EXPECTED {
        let Some(urls) = node_search(out.path(), query, json!({})) else {
            return;
        };
        assert_eq!(&urls, expected, "query {query:?}");
    }
    let filters: &[(Value, &[&str])] = &[
        (json!({"region": "Lakeside"}), &["cases/004.html"]),
        (
            json!({"tag": "one-window"}),
            &["cases/003.html", "cases/004.html"],
        ),
        (json!({"tag": "tax"}), &["cases/004.html"]),
        (
            json!({"department": "Riverside Housing Bureau"}),
            &["cases/003.html"],
        ),
        (json!({"region": "Riverside", "tag": "tax"}), &[]),
        (
            json!({"region": ["Riverside", "Lakeside"]}),
            &["cases/003.html", "cases/004.html"],
        ),
    ];
    for (filter, expected) in filters {
        if let Some(urls) = node_search(out.path(), "permit", filter.clone()) {
            assert_eq!(&urls, expected, "filter {filter}");
        }
    }
}

#[test]
fn default_site_finds_case_17_and_stays_in_budget() {
    let out = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    build_into(root, out.path()).unwrap();
    let search_js = std::fs::metadata(out.path().join("static/search.js"))
        .unwrap()
        .len();
    let html = read(out.path().join("search.html"));
    let index = html
        .split("data-index=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("search.html names the index root");
    let root_len = std::fs::metadata(out.path().join(index)).unwrap().len();
    assert!(
        search_js + root_len <= 50 * 1024,
        "{search_js} + {root_len} bytes before the first query"
    );
    for query in ["e拍", "拍即得", "e拍即得"] {
        if let Some(urls) = node_search(out.path(), query, json!({})) {
            assert_eq!(urls.first().map(String::as_str), Some("cases/017.html"));
        }
    }
}

#[test]
fn index_files_are_named_by_their_content() {
    let site = copy_fixture("search_site");
    let names = |out: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(out.join("search"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let bytes = |out: &Path, name: &str| std::fs::read(out.join("search").join(name)).unwrap();
    let a = tempfile::tempdir().unwrap();
    build_into(site.path(), a.path()).unwrap();
    let b = tempfile::tempdir().unwrap();
    build_into(site.path(), b.path()).unwrap();
    assert_eq!(names(a.path()), names(b.path()), "same input, same names");
    for name in names(a.path()) {
        assert_eq!(bytes(a.path(), &name), bytes(b.path(), &name));
    }
    // A one-word edit of one case's body.
    let case = site.path().join("content/cases/004.md");
    let text = read(&case).replace("goes online", "moves online");
    std::fs::write(&case, text).unwrap();
    let c = tempfile::tempdir().unwrap();
    build_into(site.path(), c.path()).unwrap();
    let (old, new) = (names(a.path()), names(c.path()));
    let kept: Vec<&String> = new
        .iter()
        .filter(|n| *n != "index.js" && old.contains(n))
        .collect();
    let renamed = new.len() - kept.len();
    assert!(renamed > 0, "the files holding the edit are renamed");
    assert!(
        kept.iter().any(|n| n.starts_with("f-")),
        "the facets did not change, nor did their name: {new:?}"
    );
    for name in &kept {
        assert!(bytes(a.path(), name) == bytes(c.path(), name), "{name}");
    }
    let root = read(c.path().join("search/index.js"));
    assert_ne!(read(a.path().join("search/index.js")), root);
    for name in new.iter().filter(|n| *n != "index.js") {
        let hash = name.rsplit('-').next().unwrap().trim_end_matches(".js");
        assert!(root.contains(hash), "the root lists {name}");
    }
}

// ---- the search page in headless Chromium ----

fn result_urls(browser: &Browser) -> Vec<String> {
    let v = browser.execute(
        "return Array.from(document.querySelectorAll('#search-results .search-result-title a'))\
         .map(a => a.getAttribute('href'))",
        json!([]),
    );
    serde_json::from_value(v).unwrap()
}

fn wait_state(browser: &Browser, state: &str) {
    browser.wait_for(
        &format!(
            "const app = document.getElementById('search-app');\
             return !!app && app.getAttribute('data-state') === '{state}'"
        ),
        &format!("search state {state}"),
    );
}

fn api(browser: &Browser, query: &str, options: Value) -> Vec<Value> {
    let v = browser.execute_async(
        "const done = arguments[arguments.length - 1];\
         window.casebook.search(arguments[0], arguments[1]).then(done, e => done(String(e)));",
        json!([query, options]),
    );
    v.as_array()
        .unwrap_or_else(|| panic!("search failed: {v}"))
        .clone()
}

fn urls_of(results: &[Value]) -> Vec<&str> {
    results.iter().map(|r| r["url"].as_str().unwrap()).collect()
}

fn check_search_page(browser: &Browser, base: &str) {
    // Results for the query in the URL, in the expected order, adjacency first.
    browser.goto(&format!(
        "{base}/search.html?q=%E5%B9%B6%E8%81%94%E5%AE%A1%E6%89%B9"
    ));
    wait_state(browser, "results");
    assert_eq!(result_urls(browser), ["cases/002.html", "cases/001.html"]);
    let snippet = browser.text("#search-results li:first-child .search-snippet");
    assert!(snippet.contains("并联审批"), "{snippet}");
    let marked = browser.execute(
        "return Array.from(document.querySelectorAll('#search-results li:first-child mark')).map(m => m.textContent).join('|')",
        json!([]),
    );
    assert!(marked.as_str().unwrap().contains("并联审批"), "{marked}");

    // The JS API, every expected order.
    for (query, expected) in EXPECTED {
        let results = api(browser, query, json!({"limit": 10}));
        assert_eq!(&urls_of(&results), expected, "query {query:?}");
    }
    let first = &api(browser, "permit", json!({}))[0];
    assert_eq!(first["title"], "Riverside cuts permit time");
    assert_eq!(first["region"], "Riverside");
    assert_eq!(first["department"], "Riverside Housing Bureau");
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert!(first["snippet"].as_str().unwrap().contains("window"));
    let filtered = api(
        browser,
        "permit",
        json!({"filters": {"region": "Lakeside"}}),
    );
    assert_eq!(urls_of(&filtered), ["cases/004.html"]);
    assert_eq!(api(browser, "one", json!({"limit": 1})).len(), 1);

    // Facets: counts, then a click filters and lands in the URL.
    browser.goto(&format!("{base}/search.html?q=permit"));
    wait_state(browser, "results");
    let lakeside = "#search-facets button[data-facet='region'][data-value='Lakeside']";
    browser.wait_for(
        &format!("return document.querySelector(\"{lakeside}\")"),
        "facet counts",
    );
    assert_eq!(browser.text(lakeside), "Lakeside (1)");
    assert_eq!(
        browser.text("#search-facets button[data-facet='tag'][data-value='one-window']"),
        "one-window (2)"
    );
    browser.click(lakeside);
    browser.wait_for(
        "return document.querySelectorAll('#search-results li').length === 1",
        "the region filter",
    );
    assert_eq!(result_urls(browser), ["cases/004.html"]);
    assert!(
        browser.current_url().contains("region=Lakeside"),
        "{}",
        browser.current_url()
    );
    browser.goto(&browser.current_url());
    wait_state(browser, "results");
    assert_eq!(
        result_urls(browser),
        ["cases/004.html"],
        "reopened link keeps the filter"
    );

    // Filters that leave nothing stay on screen, so they can be cleared.
    browser.goto(&format!(
        "{base}/search.html?q=permit&region=Riverside&tag=tax"
    ));
    wait_state(browser, "empty");
    let riverside =
        "#search-facets button[data-facet='region'][data-value='Riverside'][aria-pressed='true']";
    browser.wait_for(
        &format!("return document.querySelector(\"{riverside}\")"),
        "the active filter",
    );
    browser.click(riverside);
    wait_state(browser, "results");
    assert_eq!(result_urls(browser), ["cases/004.html"]);
    assert!(!browser.current_url().contains("region="));

    // No results.
    browser.goto(&format!("{base}/search.html?q=zzzqqq"));
    wait_state(browser, "empty");
    assert!(result_urls(browser).is_empty());
    assert!(browser.text("#search-status").starts_with("No cases match"));

    // Typing updates the URL; ↓ moves into the results; Enter opens one.
    browser.goto(&format!("{base}/search.html"));
    wait_state(browser, "idle");
    browser.send_keys("#search-q", "perm");
    wait_state(browser, "results");
    browser.wait_for(
        "return location.search === '?q=perm'",
        "the URL to follow the query",
    );
    browser.send_keys("#search-q", "\u{E015}");
    let focused = browser.execute(
        "return document.activeElement.getAttribute('href')",
        json!([]),
    );
    assert_eq!(focused, "cases/003.html");
    browser.execute(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}))",
        json!([]),
    );
    let focused = browser.execute(
        "return document.activeElement.getAttribute('href')",
        json!([]),
    );
    assert_eq!(focused, "cases/004.html");
    browser.execute(
        "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowUp', bubbles: true}))",
        json!([]),
    );
    browser.send_keys(".search-result-title a[href='cases/003.html']", "\u{E007}");
    browser.wait_for(
        "return location.pathname.endsWith('/cases/003.html')",
        "Enter to open the result",
    );
    assert_eq!(browser.text("h1"), "Riverside cuts permit time");

    // From any page: `/` focuses the box, and submitting shows results.
    browser.execute(
        "document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '/', bubbles: true}))",
        json!([]),
    );
    let id = browser.execute("return document.activeElement.id", json!([]));
    assert_eq!(id, "search-box");
    browser.send_keys("#search-box", "e拍\u{E007}");
    wait_state(browser, "results");
    assert_eq!(result_urls(browser), ["cases/006.html"]);

    // Indexed markup is shown as text, never parsed.
    browser.goto(&format!("{base}/search.html?q=stays"));
    wait_state(browser, "results");
    let title = browser.text("#search-results .search-result-title");
    assert!(title.contains("<b>stays</b>"), "{title}");
    let injected = browser.execute(
        "return document.querySelectorAll('#search-results b, #search-results img').length + (window.pwned ? 100 : 0)",
        json!([]),
    );
    assert_eq!(injected, 0);
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[test]
fn search_page_from_disk_and_from_a_web_server() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = build_fixture();
    let public = out.path();
    let disk = file_url(public);
    check_search_page(&browser, &disk);
    let server = StaticServer::start(public);
    check_search_page(&browser, &server.url);
}

#[test]
fn without_javascript_the_search_page_links_to_the_indexes() {
    let out = build_fixture();
    let html = read(out.path().join("search.html"));
    let noscript =
        between(&html, "<noscript>", "</noscript>").expect("search.html has a <noscript> block");
    assert!(noscript.contains("href=\"tags/index.html\""), "{noscript}");
    assert!(
        noscript.contains("href=\"regions/index.html\""),
        "{noscript}"
    );
    let case = read(out.path().join("cases/003.html"));
    assert!(case.contains("<form class=\"search\" role=\"search\" action=\"../search.html\">"));
    assert!(case.contains("name=\"q\""));
}

/// Results of `query` (first ten, every field) and the index files loaded to show them.
fn node_query(site: &Path, query: &str) -> Option<(Vec<Value>, Vec<String>)> {
    let out = node(&[
        &script("harness.js"),
        &site.display().to_string(),
        query,
        "{}",
        "files",
    ])?;
    let v: Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap();
    Some((
        v["results"].as_array().unwrap().clone(),
        files
            .iter()
            .map(|f| f.as_str().unwrap().to_string())
            .collect(),
    ))
}

#[test]
fn snippets_show_body_hits_in_context() {
    let out = build_fixture();
    let Some((results, _)) = node_query(out.path(), "联审") else {
        return;
    };
    assert_eq!(
        urls_of(&results),
        ["cases/001.html", "cases/002.html"],
        "001's body has 联审 twice; 002's once, inside 并联审批"
    );
    for r in &results {
        let snippet = r["snippet"].as_str().unwrap();
        assert!(snippet.contains("联审"), "{snippet}");
    }
    // 001's summary does not have it: the snippet comes from the body.
    let first = results[0]["snippet"].as_str().unwrap();
    assert!(first.contains("开展联审工作"), "{first}");
}

/// A collection over 2,000 cases: `一窗受理` is in every case, `区块链` in one in a hundred.
fn large_site(cases: usize) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("casebook.toml"),
        "title = \"Large\"\nlanguage = \"zh\"\n",
    )
    .unwrap();
    let dir = site.path().join("content/cases");
    std::fs::create_dir_all(&dir).unwrap();
    for i in 1..=cases {
        let rare = if i % 100 == 0 {
            "试点区块链存证。"
        } else {
            ""
        };
        let text = format!(
            "---\nid: {i}\ntitle: 第{i}号案例\nregion: 区{}\ndepartment: 局{}\ntags: [标签{}]\n---\n\n\
             实行一窗受理，企业开办时间压缩。{rare}\n\n第二段：数据共享，审批提速{i}。\n",
            i % 7,
            i % 5,
            i % 11
        );
        std::fs::write(dir.join(format!("{i:05}.md")), text).unwrap();
    }
    site
}

#[test]
fn large_collections_keep_positions_only_for_rarer_tokens_and_stay_in_budget() {
    let site = large_site(2_100);
    let out = tempfile::tempdir().unwrap();
    build_into(site.path(), out.path()).unwrap();
    let search = out.path().join("search");
    let mut positions = String::new();
    for entry in std::fs::read_dir(&search).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('q') {
            positions.push_str(&read(&path));
        }
    }
    assert!(
        positions.contains("\"区块\""),
        "a token in 21 cases keeps positions"
    );
    assert!(
        !positions.contains("\"一窗\""),
        "a token in every case keeps none"
    );
    let root = read(search.join("index.js"));
    assert!(root.contains("\"position_max_df\":1050"), "{root}");
    for (query, total) in [("一窗受理", 10), ("区块链", 10), ("区块链存证", 10)] {
        let Some((results, files)) = node_query(out.path(), query) else {
            return;
        };
        assert_eq!(results.len(), total, "{query}");
        let bytes: u64 = files
            .iter()
            .chain(["static/search.js".to_string()].iter())
            .map(|f| std::fs::metadata(out.path().join(f)).unwrap().len())
            .sum();
        assert!(bytes <= 300 * 1024, "{query}: {bytes} bytes");
        let snippet = results[0]["snippet"].as_str().unwrap();
        assert!(snippet.contains(&query[..6]), "{query}: {snippet}");
    }
}
