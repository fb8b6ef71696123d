//! Headless Chromium over file:// and over a real local web server: the built site's
//! relative links work from disk and from a server, and pages log no errors.

mod common;

use common::browser::{file_url, Browser, StaticServer};
use common::*;
use serde_json::json;

fn h1(browser: &Browser) -> String {
    browser.text("h1")
}

/// Index → case → tag → back to the index, following the real links by clicking them.
fn follow_links(browser: &Browser, index_url: &str) {
    browser.goto(index_url);
    assert!(h1(browser).contains("Basic case collection"));
    browser.click(".case-card-title a[href='cases/001.html']");
    assert_eq!(
        h1(browser),
        "Riverside cuts permit time with parallel approval"
    );
    assert!(browser.current_url().ends_with("/cases/001.html"));
    let stylesheet_applied = browser.execute(
        "return getComputedStyle(document.querySelector('.site-header')).borderBottomStyle",
        json!([]),
    );
    assert_eq!(
        stylesheet_applied, "solid",
        "style.css loaded through a relative link"
    );
    browser.click(".case-meta a[href='../tags/permits.html']");
    assert!(
        h1(browser).starts_with("permits"),
        "tag page: {}",
        h1(browser)
    );
    let cases = browser.execute(
        "return document.querySelectorAll('.case-card').length",
        json!([]),
    );
    assert_eq!(cases, 3);
    browser.click(".breadcrumb a");
    assert_eq!(h1(browser), "Tags");
    browser.click(".site-title");
    assert!(h1(browser).contains("Basic case collection"));
    assert!(browser.current_url().ends_with("/index.html"));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

#[test]
fn links_work_from_disk_and_from_a_web_server() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    build_into(&fixture("basic"), &public).unwrap();
    follow_links(&browser, &file_url(&public.join("index.html")));
    let server = StaticServer::start(&public);
    follow_links(&browser, &format!("{}/index.html", server.url));
}
