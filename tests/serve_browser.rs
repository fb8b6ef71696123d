//! `casebook serve` in headless Chromium: an edit reloads the open page; a broken build
//! shows the diagnostics in an overlay, which goes when the build is fixed.

mod common;
mod live_support;

use std::fs;

use common::browser::Browser;
use live_support::{read, Running};
use serde_json::json;

#[test]
fn open_pages_reload_and_show_build_errors() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let mut s = Running::start("watch_site", "serve", &["--port", "0"]);
    let port = s.port();
    browser.goto(&format!("http://localhost:{port}/cases/001.html"));
    browser.wait_for(
        "return document.documentElement.getAttribute('data-casebook-live') === 'ok'",
        "the live-reload stream",
    );
    browser.execute("window.beforeReload = true", json!([]));

    let path = s.path("content/cases/001.md");
    let good = read(&path);
    fs::write(&path, good.replace("Marker-1: original", "Marker-1: live")).unwrap();
    browser.wait_for(
        "return !window.beforeReload && document.body.textContent.includes('Marker-1: live')",
        "the page to reload with the edit",
    );
    s.wait_rebuilt();

    fs::write(
        &path,
        good.replace("title: Faster permits", "title: [Faster"),
    )
    .unwrap();
    let overlay = browser.wait_for(
        "const o = document.getElementById('casebook-error-overlay'); \
         return o && o.getAttribute('role') === 'alert' && o.textContent",
        "the error overlay",
    );
    let overlay = overlay.as_str().unwrap().to_string();
    assert!(overlay.contains("content/cases/001.md:"), "{overlay}");
    assert!(
        browser.text("h1").contains("Faster permits"),
        "the last good page stays"
    );

    browser.execute("window.beforeReload = true", json!([]));
    fs::write(&path, good.replace("Marker-1: original", "Marker-1: fixed")).unwrap();
    browser.wait_for(
        "return !document.getElementById('casebook-error-overlay') \
         && document.body.textContent.includes('Marker-1: fixed')",
        "the overlay to go and the fix to show",
    );
}
