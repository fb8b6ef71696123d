//! The reader's side of the site: the offline bundle, `print.html`, and the phone, print and
//! dark layouts, checked in headless Chromium where a browser is needed.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;

use casebook::BuildOptions;
use common::browser::{file_url, Browser};
use common::*;
use serde_json::{json, Value};

/// The repository root: the default site (the real collection).
fn default_site() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bundle(root: &Path, target: &Path) -> casebook::BuildReport {
    casebook::bundle(root, &BuildOptions::default(), target)
        .unwrap_or_else(|e| panic!("bundle failed: {e:?}"))
}

/// Unzips `zip` into `into` and returns the site folder inside it.
fn unzip(zip: &Path, into: &Path) -> PathBuf {
    let file = std::fs::File::open(zip).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    archive.extract(into).unwrap();
    let folders: Vec<PathBuf> = std::fs::read_dir(into)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(folders.len(), 1, "one top folder in the zip: {folders:?}");
    folders.into_iter().next().unwrap()
}

#[test]
fn bundle_is_byte_identical_across_runs() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, two) = (dir_a.path().join("site.zip"), dir_b.path().join("site.zip"));
    let report = bundle(&default_site(), &one);
    bundle(&default_site(), &two);
    assert!(report.cases >= 23);
    let (a, b) = (std::fs::read(&one).unwrap(), std::fs::read(&two).unwrap());
    assert!(a == b, "two bundles of the same site differ");
    let archive = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
    let names: Vec<&str> = archive.file_names().collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries sorted by path");
    assert_eq!(names.len(), report.files);
    assert!(names.contains(&"site/index.html"), "{names:?}");
    assert!(names.contains(&"site/print.html"));
}

#[test]
fn bundle_command_writes_the_zip() {
    let site = copy_fixture("basic");
    let output = Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["bundle", "--root"])
        .arg(site.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("bundled 3 cases"), "{stderr}");
    let zip = site.path().join("casebook-site.zip");
    let unpacked = tempfile::tempdir().unwrap();
    let folder = unzip(&zip, unpacked.path());
    assert!(folder.ends_with("casebook-site"));
    assert!(read(folder.join("cases/001.html")).contains("parallel approval"));
}

#[test]
fn failed_bundle_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("site.zip");
    let problems = casebook::bundle(
        &fixture("invalid_content"),
        &BuildOptions::default(),
        &target,
    )
    .expect_err("an invalid site does not bundle");
    assert!(problems.has_errors());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no zip, no temp file"
    );
}

/// Case ids and titles in `print.html`, in document order.
fn printed_cases(html: &str) -> Vec<(String, String)> {
    let re = regex::Regex::new(
        r#"(?s)<article class="print-case" id="case-([^"]+)".*?<h2 id="case-[^"]+-title"><a href="[^"]+">([^<]+)</a>"#,
    )
    .unwrap();
    re.captures_iter(html)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

#[test]
fn print_page_holds_every_case_in_id_order() {
    let out = tempfile::tempdir().unwrap();
    build_into(&default_site(), out.path()).unwrap();
    let mut expected: Vec<(u64, String)> = std::fs::read_dir(out.path().join("cases"))
        .unwrap()
        .map(|e| read(e.unwrap().path()))
        .map(|page| {
            let id = regex::Regex::new(r#"<p class="case-id">\S+ (\d+)</p>"#)
                .unwrap()
                .captures(&page)
                .map(|c| c[1].parse().unwrap())
                .expect("case page shows its id");
            let title = regex::Regex::new(r#"<h1 id="case-title">([^<]+)</h1>"#)
                .unwrap()
                .captures(&page)
                .map(|c| c[1].to_string())
                .expect("case page has a title");
            (id, title)
        })
        .collect();
    expected.sort();
    let print = read(out.path().join("print.html"));
    let printed: Vec<(u64, String)> = printed_cases(&print)
        .into_iter()
        .map(|(id, title)| (id.parse().unwrap(), title))
        .collect();
    assert_eq!(printed, expected);
    assert_eq!(print.matches("<h1").count(), 1, "one h1 on print.html");
    let index = read(out.path().join("index.html"));
    assert!(index.contains(r#"<a href="print.html">打印全部案例</a>"#));
}

#[test]
fn print_page_keeps_bodies_metrics_and_working_links() {
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("basic"), out.path()).unwrap();
    let print = read(out.path().join("print.html"));
    let ids: Vec<String> = printed_cases(&print).into_iter().map(|c| c.0).collect();
    assert_eq!(ids, ["1", "2", "x-3"], "drafts are left out");
    let case_page = read(out.path().join("cases/001.html"));
    assert!(case_page.contains("<table class=\"metrics\">"));
    assert_eq!(
        print.matches("<table class=\"metrics\">").count(),
        2,
        "a metric table per case that has metrics (two of three)"
    );
    assert!(
        print.contains("Applicants used to visit four offices."),
        "case bodies are printed in full"
    );
    assert!(
        print.contains(r#"src="cases/files/note.txt""#),
        "images re-rooted"
    );
    assert!(print.contains(r#"<a href="cases/003.html">case three</a>"#));
    let mut ids = BTreeSet::new();
    for id in regex::Regex::new(r#" id="([^"]+)""#)
        .unwrap()
        .captures_iter(&print)
    {
        assert!(ids.insert(id[1].to_string()), "duplicate id {}", &id[1]);
    }
    for href in regex::Regex::new(r##"href="#([^"]+)""##)
        .unwrap()
        .captures_iter(&print)
    {
        assert!(
            ids.contains(&href[1]),
            "in-page link to missing #{}",
            &href[1]
        );
    }
}

/// What a page loaded and links to, as the browser resolved it.
const PAGE_FACTS: &str = r#"
const refs = [...document.querySelectorAll('a[href], link[href], img[src], script[src], source[src], iframe[src]')]
  .map(e => ({
    tag: e.tagName.toLowerCase(),
    // SVG links (charts) have no string `href` property: resolve the attribute.
    url: new URL(e.getAttribute('href') || e.getAttribute('src'), document.baseURI).href,
  }));
return {
  refs,
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  resources: performance.getEntriesByType('resource').map(r => r.name),
  broken_images: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
};
"#;

/// Decodes `%XX` escapes of a file URL's path.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// `file:///x/a.html?q=1#f` → (`/x/a.html`, `file:///x/a.html?q=1`, `f`).
fn split_file_url(url: &str) -> (PathBuf, String, Option<String>) {
    let (page, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (url, None),
    };
    let path = page
        .split('?')
        .next()
        .unwrap()
        .trim_start_matches("file://");
    (
        PathBuf::from(percent_decode(path)),
        page.to_string(),
        fragment,
    )
}

/// Visits every page reachable from `index.html` over file://: no failed or external
/// request, no console error, no broken image, and every link and `#fragment` resolves.
fn crawl(browser: &Browser, site: &Path) -> usize {
    let site = std::fs::canonicalize(site).unwrap();
    let start = file_url(&site.join("index.html"));
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen = BTreeSet::from([start]);
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut fragments: Vec<(String, String, String)> = Vec::new();
    while let Some(url) = queue.pop_front() {
        browser.goto(&url);
        let facts = browser.execute(PAGE_FACTS, json!([]));
        let errors = browser.console_errors();
        assert!(errors.is_empty(), "{url}: console errors {errors:?}");
        let strings = |key: &str| -> Vec<String> {
            facts[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        for resource in strings("resources") {
            assert!(
                resource.starts_with("file://") || resource.starts_with("data:"),
                "{url} requested {resource}: requests must not leave the page"
            );
        }
        assert_eq!(strings("broken_images"), Vec::<String>::new(), "{url}");
        ids.insert(url.clone(), strings("ids").into_iter().collect());
        for r in facts["refs"].as_array().unwrap() {
            let (tag, target) = (r["tag"].as_str().unwrap(), r["url"].as_str().unwrap());
            if !target.starts_with("file://") {
                let is_link = tag == "a";
                assert!(
                    is_link,
                    "{url}: <{tag}> loads {target}: no network requests"
                );
                continue;
            }
            let (path, page, fragment) = split_file_url(target);
            assert!(
                path.starts_with(&site),
                "{url} links outside the site: {target}"
            );
            assert!(path.is_file(), "{url} links to a missing file: {target}");
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                fragments.push((url.clone(), page.clone(), f));
            }
            let is_page = path.extension().is_some_and(|e| e == "html");
            if tag == "a" && is_page && seen.insert(page.clone()) {
                queue.push_back(page);
            }
        }
    }
    for (from, page, fragment) in fragments {
        let on_page = ids.get(&page).expect("every linked page was visited");
        assert!(
            on_page.contains(&fragment),
            "{from} links to {page}#{fragment}: no such id"
        );
    }
    seen.len()
}

#[test]
fn unzipped_bundle_works_from_disk_without_network() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("casebook-site.zip");
    let report = bundle(&default_site(), &zip);
    let unpacked = dir.path().join("somewhere else");
    let site = unzip(&zip, &unpacked);
    let visited = crawl(&browser, &site);
    assert!(
        visited >= report.pages - 1,
        "visited {visited} of {} pages (all but 404.html)",
        report.pages
    );
}

/// Emulates a viewport `width` CSS pixels wide, as a phone.
fn phone(browser: &Browser, width: u32) {
    browser.cdp(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": width, "height": 800, "deviceScaleFactor": 2, "mobile": true}),
    );
}

fn media(browser: &Browser, media: &str, features: Value) {
    browser.cdp(
        "Emulation.setEmulatedMedia",
        json!({"media": media, "features": features}),
    );
}

#[test]
fn phone_width_never_scrolls_the_page_sideways() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    build_into(&default_site(), out.path()).unwrap();
    let mut pages = vec![
        "index.html",
        "print.html",
        "tags/index.html",
        "regions/index.html",
    ];
    pages.extend(["cases/001.html", "cases/010.html", "cases/023.html"]);
    for optional in ["metrics.html", "search.html"] {
        if out.path().join(optional).exists() {
            pages.push(optional);
        } else {
            eprintln!("note: no {optional} in the default site yet; not checked at 360 px");
        }
    }
    phone(&browser, 360);
    for page in pages {
        browser.goto(&file_url(&out.path().join(page)));
        let widths = browser.execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            json!([]),
        );
        assert_eq!(
            widths[0], widths[1],
            "{page} scrolls sideways at 360 px: {widths}"
        );
        let nav_rows = browser.execute(
            "const items = [...document.querySelectorAll('.site-nav li')];
             return new Set(items.map(li => Math.round(li.getBoundingClientRect().top))).size",
            json!([]),
        );
        assert_eq!(nav_rows, 1, "{page}: the navigation collapses into one row");
        let wide_charts = browser.execute(
            "return [...document.querySelectorAll('main svg')]
               .filter(s => s.getBoundingClientRect().right > window.innerWidth + 0.5).length",
            json!([]),
        );
        assert_eq!(wide_charts, 0, "{page}: charts scale down to the screen");
    }
}

#[test]
fn print_media_shows_a_clean_document() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = copy_fixture("basic");
    let case = site.path().join("content/cases/001.md");
    let text = read(&case) + "\nSee [the statute](https://example.org/statute).\n";
    std::fs::write(&case, text).unwrap();
    let out = site.path().join("public");
    build_into(site.path(), &out).unwrap();
    media(&browser, "print", json!([]));
    browser.goto(&file_url(&out.join("cases/001.html")));
    let shown = |css: &str| {
        browser.execute(
            "const e = document.querySelector(arguments[0]); return !!e && getComputedStyle(e).display !== 'none'",
            json!([css]),
        )
    };
    for hidden in [".site-header", ".site-footer", ".pager", ".skip-link"] {
        assert_eq!(shown(hidden), false, "{hidden} is printed");
    }
    assert_eq!(shown("table.metrics"), true, "the metric table is printed");
    let after = browser.execute(
        "return getComputedStyle(document.querySelector('.prose a[href^=\"https\"]'), '::after').content",
        json!([]),
    );
    assert!(
        after
            .as_str()
            .unwrap()
            .contains("https://example.org/statute"),
        "external URL printed: {after}"
    );
    browser.goto(&file_url(&out.join("print.html")));
    let breaks = browser.execute(
        "return [...document.querySelectorAll('.print-case')].map(e => getComputedStyle(e).breakBefore)",
        json!([]),
    );
    assert_eq!(
        breaks,
        json!(["page", "page", "page"]),
        "one page break per case"
    );
    media(&browser, "screen", json!([]));
    assert_eq!(
        shown(".site-header"),
        true,
        "screen media shows the header again"
    );
}

#[test]
fn dark_mode_follows_the_system_setting() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("basic"), out.path()).unwrap();
    let background = |scheme: &str| {
        media(
            &browser,
            "screen",
            json!([{"name": "prefers-color-scheme", "value": scheme}]),
        );
        browser.goto(&file_url(&out.path().join("cases/001.html")));
        browser.execute(
            "return getComputedStyle(document.body).backgroundColor",
            json!([]),
        )
    };
    assert_eq!(background("dark"), "rgb(13, 17, 23)");
    assert_eq!(background("light"), "rgb(253, 253, 252)");
}

#[test]
fn keyboard_focus_is_visible_and_the_skip_link_appears() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("basic"), out.path()).unwrap();
    browser.goto(&file_url(&out.path().join("cases/001.html")));
    let focused = |css: &str| {
        browser.execute(
            "const e = document.querySelector(arguments[0]); e.focus();
             const s = getComputedStyle(e);
             return [document.activeElement === e, s.outlineStyle, s.outlineWidth, e.getBoundingClientRect().left >= 0]",
            json!([css]),
        )
    };
    assert_eq!(
        focused(".skip-link"),
        json!([true, "solid", "3px", true]),
        "the focused skip link is on screen with an outline"
    );
    for css in [".site-nav a", ".case-meta a", ".table-scroll"] {
        let state = focused(css);
        assert_eq!(state[1], "solid", "{css}: focus outline {state}");
    }
}
