//! Every generated page is valid HTML (the W3C Nu HTML Checker, `vnu.jar`) and accessible
//! (axe-core in headless Chromium, light and dark).
//!
//! The checkers come from npm, pinned in `tests/js/package.json` and installed by `.ci/run`
//! with `npm ci --prefix tests/js --ignore-scripts`; vnu needs Java (`default-jre-headless`).
//! Missing tools skip these tests with a note on a developer machine and fail in CI. Pages
//! that other features add (`metrics.html`, `search.html`) are checked as soon as they exist.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::browser::{file_url, Browser};
use common::*;
use serde_json::{json, Value};

fn tests_js() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules")
}

/// Skips (`None`) on a developer machine, fails in CI, when a checker is missing.
fn require(what: &str, found: bool) -> Option<()> {
    if found {
        return Some(());
    }
    let message = format!("{what} is missing: run `npm ci --prefix tests/js --ignore-scripts` (and install default-jre-headless for vnu)");
    if std::env::var_os("CI").is_some() {
        panic!("{message}: these checks cannot be skipped in CI");
    }
    eprintln!("skipping: {message}");
    None
}

fn vnu_jar() -> Option<PathBuf> {
    let jar = std::env::var_os("VNU_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tests_js().join("vnu-jar/build/dist/vnu.jar"));
    let java = Command::new("java").arg("-version").output().is_ok();
    require("java", java)?;
    require(&format!("{}", jar.display()), jar.is_file())?;
    Some(jar)
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    files.sort();
    files
}

/// Runs vnu over every `.html` below `dir`; returns its error messages, one line each.
fn vnu_errors(jar: &Path, dir: &Path) -> Vec<String> {
    let files = html_files(dir);
    assert!(!files.is_empty(), "no pages in {}", dir.display());
    let output = Command::new("java")
        .arg("-jar")
        .arg(jar)
        .args(["--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .expect("java runs vnu.jar");
    let report: Value = serde_json::from_slice(&output.stderr).unwrap_or_else(|e| {
        panic!(
            "vnu printed no JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    report["messages"]
        .as_array()
        .expect("vnu's JSON has messages")
        .iter()
        .filter(|m| m["type"] == "error" || m["subType"] == "fatal")
        .map(|m| {
            let url = m["url"].as_str().unwrap_or_default();
            let page = url
                .rsplit_once(&*dir.to_string_lossy())
                .map_or(url, |x| x.1);
            format!(
                "{page}:{}: {}",
                m["lastLine"],
                m["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn every_page_of_the_default_site_is_valid_html() {
    let Some(jar) = vnu_jar() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    build_into(Path::new(env!("CARGO_MANIFEST_DIR")), out.path()).unwrap();
    let pages = html_files(out.path()).len();
    let errors = vnu_errors(&jar, out.path());
    assert!(
        errors.is_empty(),
        "vnu errors in {pages} pages:\n{}",
        errors.join("\n")
    );
    assert!(pages > 90, "checked {pages} pages");
}

/// The basic fixture (English, code, footnotes, task lists, an incomplete case) built with
/// two cases a page (so lists are paginated), minus its deliberately hostile raw `<img>`
/// without `alt`: raw HTML is the author's responsibility.
fn basic_site() -> tempfile::TempDir {
    let site = copy_fixture_with_config("basic", "paginate_by = 2");
    let case = site.path().join("content/cases/002.md");
    let text = read(&case).replace("<img src=\"files/note.txt\" onerror=\"alert(1)\">", "");
    std::fs::write(&case, text).unwrap();
    build_into(site.path(), &site.path().join("public")).unwrap();
    site
}

#[test]
fn every_page_of_the_basic_fixture_is_valid_html() {
    let Some(jar) = vnu_jar() else {
        return;
    };
    let site = basic_site();
    let out = site.path().join("public");
    let errors = vnu_errors(&jar, &out);
    assert!(errors.is_empty(), "vnu errors:\n{}", errors.join("\n"));
}

/// The vnu check can fail: a page with a duplicate id and a stray end tag is reported.
#[test]
fn vnu_reports_invalid_pages() {
    let Some(jar) = vnu_jar() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = "<!DOCTYPE html><html lang=en><title>x</title><p id=a>1</p><p id=a>2</div>";
    std::fs::write(dir.path().join("bad.html"), bad).unwrap();
    let errors = vnu_errors(&jar, dir.path());
    assert!(errors.len() >= 2, "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("Duplicate ID")),
        "{errors:?}"
    );
}

/// axe's violations on the current page, as `rule: target…` lines.
fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    let loaded = browser.execute(&format!("{axe}\n;return typeof window.axe;"), json!([]));
    assert_eq!(loaded, "object", "axe-core loads");
    let result = browser.execute_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, { resultTypes: ['violations'] })
           .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '
             + v.nodes.map(n => n.target.join(' ')).slice(0, 5).join(', ')
             + ' — ' + (v.nodes[0].failureSummary || '').replace(/\\s+/g, ' '))))
           .catch(e => done(['axe failed: ' + e]));",
        json!([]),
    );
    result
        .as_array()
        .expect("a list of violations")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

fn axe_source() -> Option<String> {
    let path = tests_js().join("axe-core/axe.min.js");
    require(&format!("{}", path.display()), path.is_file())?;
    Some(read(path))
}

/// The pages axe checks in a built site: one of each kind, and the pages other features add
/// once they exist.
fn axe_pages(site: &Path) -> Vec<String> {
    let first_in = |folder: &str| {
        html_files(&site.join(folder))
            .into_iter()
            .find(|p| !p.ends_with("index.html"))
            .map(|p| p.strip_prefix(site).unwrap().to_string_lossy().into_owned())
            .unwrap_or_else(|| panic!("no page in {folder}/"))
    };
    let mut pages = vec![
        "index.html".to_string(),
        first_in("cases"),
        first_in("tags"),
        "tags/index.html".to_string(),
        "print.html".to_string(),
        "404.html".to_string(),
    ];
    for (file, url) in [
        ("index/2.html", "index/2.html"),
        ("metrics.html", "metrics.html"),
        ("search.html", "search.html?q=%E4%BC%81%E4%B8%9A"),
    ] {
        if site.join(file).exists() {
            pages.push(url.to_string());
        } else {
            eprintln!("note: {file} does not exist yet; axe does not check it");
        }
    }
    pages
}

fn check_site_with_axe(site: &Path) {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(browser) = Browser::start() else {
        return;
    };
    let mut problems = Vec::new();
    // Light and dark on a desktop, and light on a 360 px phone (where tables scroll).
    for (scheme, width) in [("light", 1280), ("dark", 1280), ("light", 360)] {
        browser.cdp(
            "Emulation.setEmulatedMedia",
            json!({"media": "screen", "features": [{"name": "prefers-color-scheme", "value": scheme}]}),
        );
        browser.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
        let scheme = format!("{scheme}, {width} px");
        for page in axe_pages(site) {
            let (file, query) = page.split_once('?').unwrap_or((&page, ""));
            let url = file_url(&site.join(file));
            let url = if query.is_empty() {
                url
            } else {
                format!("{url}?{query}")
            };
            browser.goto(&url);
            // Let scripts that fill the page (search results) run before checking.
            browser.execute_async(
                "const done = arguments[0]; setTimeout(done, 300);",
                json!([]),
            );
            for v in axe_violations(&browser, &axe) {
                problems.push(format!("{page} ({scheme}): {v}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "axe violations:\n{}",
        problems.join("\n")
    );
}

#[test]
fn default_site_has_no_axe_violations() {
    let out = tempfile::tempdir().unwrap();
    build_into(Path::new(env!("CARGO_MANIFEST_DIR")), out.path()).unwrap();
    check_site_with_axe(out.path());
}

#[test]
fn basic_fixture_has_no_axe_violations() {
    let site = basic_site();
    check_site_with_axe(&site.path().join("public"));
}

/// The axe check can fail: a page with an unlabelled input and low contrast is reported.
#[test]
fn axe_reports_inaccessible_pages() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(browser) = Browser::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = "<!DOCTYPE html><html><title>x</title><main><input type=text>\
               <p style='color:#aaa;background:#fff'>faint</p></main>";
    std::fs::write(dir.path().join("bad.html"), bad).unwrap();
    browser.goto(&file_url(&dir.path().join("bad.html")));
    let violations = axe_violations(&browser, &axe).join("\n");
    for rule in ["label", "color-contrast", "html-has-lang"] {
        assert!(
            violations.contains(rule),
            "{rule} not reported:\n{violations}"
        );
    }
}

/// What axe and vnu do not insist on but readers need, on every page of the default site:
/// the configured language, one `h1`, the landmarks and a skip link, captioned tables whose
/// header cells say what they head, and form fields with labels.
#[test]
fn every_page_has_language_landmarks_one_h1_and_captioned_tables() {
    let out = tempfile::tempdir().unwrap();
    build_into(Path::new(env!("CARGO_MANIFEST_DIR")), out.path()).unwrap();
    let th = regex::Regex::new(r"<th\b[^>]*>").unwrap();
    let table = regex::Regex::new(r"(?s)<table\b[^>]*>\s*<caption>").unwrap();
    let input = regex::Regex::new(r#"<(input|select|textarea)\b([^>]*)>"#).unwrap();
    let id_attribute = regex::Regex::new(r#"id="([^"]+)""#).unwrap();
    let mut problems = Vec::new();
    let pages = html_files(out.path());
    for path in &pages {
        let page = path.strip_prefix(out.path()).unwrap().display().to_string();
        let html = read(path);
        let mut expect = |ok: bool, what: &str| {
            if !ok {
                problems.push(format!("{page}: {what}"));
            }
        };
        expect(
            html.contains(r#"<html lang="zh-CN">"#),
            "lang from the config",
        );
        expect(html.matches("<h1").count() == 1, "exactly one h1");
        for landmark in ["<header", "<nav", "<main", "<footer"] {
            expect(html.contains(landmark), landmark);
        }
        expect(
            html.contains(r##"<a class="skip-link" href="#main">"##),
            "skip link",
        );
        let tables = html.matches("<table").count();
        expect(
            table.find_iter(&html).count() == tables,
            "a caption on every table",
        );
        for cell in th.find_iter(&html) {
            expect(cell.as_str().contains("scope="), "th without scope");
        }
        for field in input.captures_iter(&html) {
            let attributes = &field[2];
            let before = &html[..field.get(0).unwrap().start()];
            let inside_label = before.rfind("<label") > before.rfind("</label>");
            let hidden = attributes.contains(r#"type="hidden""#);
            let id_labelled = id_attribute
                .captures(attributes)
                .is_some_and(|id| html.contains(&format!(r#"for="{}""#, &id[1])));
            let labelled = attributes.contains("aria-label") || id_labelled || inside_label;
            expect(hidden || labelled, "a form field without a label");
        }
    }
    assert!(pages.len() > 90);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
