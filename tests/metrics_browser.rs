//! Headless Chromium over file://: the metrics table sorts by a column and filters by region
//! through the page's own controls, and the view survives in the URL fragment.

mod common;

use common::browser::{file_url, Browser};
use common::*;
use serde_json::{json, Value};

/// The visible rows as [case link, metric name, `data-v` of the after column].
const ROWS: &str = "return Array.from(document.querySelectorAll('#metric-table tbody tr')).map(function (tr) {
  return [tr.cells[0].querySelector('a').getAttribute('href'), tr.cells[4].firstChild.textContent, tr.cells[7].getAttribute('data-v')];
});";

fn rows(browser: &Browser) -> Vec<(String, String, Option<f64>)> {
    let value = browser.execute(ROWS, json!([]));
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_str().unwrap().to_string(),
                r[2].as_str().and_then(|s| s.parse().ok()),
            )
        })
        .collect()
}

fn sort_state(browser: &Browser, key: &str) -> Value {
    browser.execute(
        "return document.querySelector('th[data-key=\"' + arguments[0] + '\"]').getAttribute('aria-sort');",
        json!([key]),
    )
}

#[test]
fn sort_filter_and_link_the_view() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    build_into(&fixture("metrics_site"), &public).unwrap();
    browser.goto(&file_url(&public.join("metrics.html")));
    browser.wait_for(
        "return !document.getElementById('metric-filters').hidden",
        "the script to show the filters",
    );
    assert_eq!(rows(&browser).len(), 18, "all rows before any filter");
    assert!(browser.text("#metric-status").contains("18 / 18"));

    // Sort by "after" (a numeric column, normalised values): ascending, then descending.
    browser.click("th[data-key='after'] button");
    assert_eq!(sort_state(&browser, "after"), "ascending");
    let asc: Vec<Option<f64>> = rows(&browser).iter().map(|r| r.2).collect();
    let numbers: Vec<f64> = asc.iter().flatten().copied().collect();
    assert_eq!(
        numbers,
        [1.0, 1.0, 1.0, 3.0, 4.0, 4.0, 4.5, 45.0, 2254600.0]
    );
    assert!(
        asc[numbers.len()..].iter().all(Option::is_none),
        "empty cells last"
    );
    browser.click("th[data-key='after'] button");
    assert_eq!(sort_state(&browser, "after"), "descending");
    let desc: Vec<f64> = rows(&browser).iter().filter_map(|r| r.2).collect();
    assert_eq!(desc[0], 2254600.0, "225.46 万元 is the largest after value");
    assert_eq!(desc[1], 45.0);
    assert_eq!(sort_state(&browser, "before"), Value::Null);

    // Filter by region through the menu.
    browser.click("select[name='region'] option[value='泉州市']");
    let filtered = rows(&browser);
    assert_eq!(filtered.len(), 6, "4 metrics of case 4, 2 of case 5");
    assert!(filtered
        .iter()
        .all(|r| r.0 == "cases/004.html" || r.0 == "cases/005.html"));
    let after: Vec<f64> = filtered.iter().filter_map(|r| r.2).collect();
    assert_eq!(after, [2254600.0, 45.0, 4.0, 3.0, 1.0], "still sorted");
    assert!(browser.text("#metric-status").contains("6 / 18"));
    assert!(browser.text("#metric-status").contains("2 个案例"));

    // The view is in the fragment; reopening the link shows the same view.
    let url = browser.current_url();
    let fragment = url.split_once('#').map(|p| p.1).unwrap_or_default();
    assert!(
        fragment.contains("sort=after") && fragment.contains("dir=desc"),
        "{url}"
    );
    assert!(
        fragment.contains("region=%E6%B3%89%E5%B7%9E%E5%B8%82"),
        "{url}"
    );
    browser.goto("about:blank");
    browser.goto(&url);
    browser.wait_for(
        "return !document.getElementById('metric-filters').hidden",
        "the script on reopening",
    );
    assert_eq!(rows(&browser), filtered, "same rows, same order");
    assert_eq!(sort_state(&browser, "after"), "descending");
    let selected = browser.execute(
        "return document.querySelector('select[name=region]').value",
        json!([]),
    );
    assert_eq!(selected, "泉州市");

    // Free text narrows further; clearing the filters brings every row back.
    browser.send_keys("#metric-filters input[name='q']", "费用");
    browser.wait_for(
        "return document.querySelectorAll('#metric-table tbody tr').length === 1",
        "the text filter",
    );
    assert_eq!(rows(&browser)[0].1, "鉴定费用");
    browser.click("button[type='reset']");
    browser.wait_for(
        "return document.querySelectorAll('#metric-table tbody tr').length === 18",
        "the reset",
    );
    assert!(!browser.current_url().contains("region="));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

/// A site of `n` cases with two metrics each; case `i` took `i + 1` days after.
fn big_site(root: &std::path::Path, n: usize) {
    std::fs::create_dir_all(root.join("content/cases")).unwrap();
    std::fs::write(root.join("casebook.toml"), "title = \"big\"\n").unwrap();
    for i in 0..n {
        let case = format!(
            "---\nid: {i}\ntitle: 案例{i}\nregion: 地区{}\ndepartment: 部门\nmetrics:\n  - {{name: 办理时长, unit: 天, before: 1000, after: {}}}\n  - {{name: 受益企业, unit: 家, value: {i}}}\n---\n\n正文。\n",
            i % 7,
            i + 1
        );
        std::fs::write(root.join(format!("content/cases/{i:04}.md")), case).unwrap();
    }
}

/// A big table keeps only a page of rows in the document; sorting still sees every row.
#[test]
fn a_big_table_shows_a_page_and_sorts_all_rows() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = tempfile::tempdir().unwrap();
    big_site(site.path(), 300);
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    browser.goto(&file_url(&public.join("metrics.html")));
    browser.wait_for(
        "return !document.getElementById('metric-filters').hidden",
        "the script",
    );
    assert_eq!(rows(&browser).len(), 500, "one page of 600 rows");
    assert_eq!(browser.text("#metric-more [data-more]"), "再显示 100 项");
    let pending = browser.execute(
        "return document.documentElement.classList.contains('metrics-pending')",
        json!([]),
    );
    assert_eq!(pending, false);
    browser.click("th[data-key='after'] button");
    browser.click("th[data-key='after'] button");
    assert_eq!(
        rows(&browser)[0].2,
        Some(300.0),
        "the largest value, from a row past the first page"
    );
    browser.click("#metric-more [data-more]");
    assert_eq!(rows(&browser).len(), 600);
    assert!(browser
        .execute(
            "return document.getElementById('metric-more').hidden",
            json!([])
        )
        .as_bool()
        .unwrap());
}

/// If metrics.js never runs, the rows hidden while it loads are shown once the page has loaded.
#[test]
fn every_row_shows_when_the_script_does_not_run() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let site = tempfile::tempdir().unwrap();
    big_site(site.path(), 300);
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    std::fs::write(site.path().join("static/metrics.js"), "/* broken */").unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    browser.goto(&file_url(&public.join("metrics.html")));
    let visible = browser.wait_for(
        "return !document.documentElement.classList.contains('metrics-pending') && Array.from(document.querySelectorAll('#metric-table tbody tr')).filter(function (tr) { return tr.offsetParent !== null; }).length",
        "the rows after load",
    );
    assert_eq!(visible, 600);
}

/// Without the script the page is a complete table (nothing hidden but the filter form).
#[test]
fn the_table_is_complete_without_javascript() {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    build_into(&fixture("metrics_site"), &public).unwrap();
    let html = read(public.join("metrics.html"));
    let body = html.split("<tbody>").last().unwrap();
    assert_eq!(body.matches("<tr").count(), 18);
    assert!(html.contains("<form class=\"metric-filters\" id=\"metric-filters\" role=\"search\""));
    assert!(
        html.contains(" hidden>"),
        "filters appear only with the script"
    );
}
