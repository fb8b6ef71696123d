//! `casebook serve` over real HTTP: content types, a traversal corpus, the Host guard,
//! live-reload events and the error overlay state.

mod common;
mod live_support;

use std::fs;

use live_support::{get, read, EventStream, Running};

fn serve() -> (Running, u16) {
    let running = Running::start("watch_site", "serve", &["--port", "0"]);
    let port = running.port();
    (running, port)
}

#[test]
fn files_are_served_with_their_types_and_the_live_script() {
    let (_s, port) = serve();
    let host = format!("127.0.0.1:{port}");
    let cases = [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/cases/001.html", "text/html; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/__casebook/live.js", "text/javascript; charset=utf-8"),
        ("/static/logo.svg", "image/svg+xml; charset=utf-8"),
        ("/static/data.json", "application/json; charset=utf-8"),
        ("/static/data.csv", "text/csv; charset=utf-8"),
        ("/atom.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/tags/", "text/html; charset=utf-8"),
        ("/cases/001.html?x=1#top", "text/html; charset=utf-8"),
    ];
    for (path, content_type) in cases {
        let response = get(port, path, &host);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.header("content-type"),
            Some(content_type),
            "{path}"
        );
        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{path}"
        );
    }
    let page = get(port, "/cases/001.html", &host).text();
    assert!(page.contains("Marker-1"));
    assert!(page.contains(r#"<script src="/__casebook/live.js"></script></body>"#));
    let redirect = get(port, "/tags", &host);
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/tags/"));
    let missing = get(port, "/nope.html", &host);
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains("__casebook/live.js"),
        "the site's 404 page, live"
    );
}

#[test]
fn traversal_attempts_get_404() {
    let (s, port) = serve();
    let host = format!("localhost:{port}");
    // A secret next to the output folder, and symlinks out of it.
    fs::write(s.path("secret.txt"), "top secret").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(s.path("secret.txt"), s.output("leak.txt")).unwrap();
        std::os::unix::fs::symlink(s.path("content"), s.output("src")).unwrap();
        std::os::unix::fs::symlink(s.output("index.html"), s.output("inside.html")).unwrap();
        assert_eq!(
            get(port, "/inside.html", &host).status,
            200,
            "links within are fine"
        );
    }
    let corpus = [
        "/../secret.txt",
        "/..",
        "/cases/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/cases/..%2f..%2fsecret.txt",
        "/cases%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%5c..%5csecret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/etc/passwd",
        "/C:/Windows/win.ini",
        "/c%3a/Windows/win.ini",
        "/index.html%00.txt",
        "/%252e%252e/secret.txt",
        "/leak.txt",
        "/src/cases/001.md",
        "/./index.html",
        "/cases/.",
        "/%zz",
        "http://127.0.0.1/../secret.txt",
        "*",
    ];
    for target in corpus {
        let response = get(port, target, &host);
        assert!(
            response.status == 404 || response.status == 400,
            "{target}: {}",
            response.status
        );
        assert!(!response.text().contains("top secret"), "{target}");
        assert!(!response.text().contains("Marker-1"), "{target}");
    }
}

#[test]
fn foreign_hosts_are_refused() {
    let (_s, port) = serve();
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("10.1.2.3:{port}"),
    ] {
        let response = get(port, "/index.html", &host);
        assert_eq!(response.status, 403, "{host}");
        assert!(!response.text().contains("Watch fixture"), "{host}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get(port, "/index.html", &host).status, 200, "{host}");
    }
}

#[test]
fn an_edit_sends_a_reload_event_naming_the_page() {
    let (mut s, port) = serve();
    let mut events = EventStream::connect(port);
    assert_eq!(events.next().0, "ok", "a good build says so on connect");
    let path = s.path("content/cases/003.md");
    fs::write(
        &path,
        read(&path).replace("Marker-3: original", "Marker-3: live"),
    )
    .unwrap();
    let changed = events.until("reload");
    assert!(changed.lines().any(|l| l == "cases/003.html"), "{changed}");
    s.wait_rebuilt();
    let page = get(port, "/cases/003.html", &format!("localhost:{port}")).text();
    assert!(page.contains("Marker-3: live"));
}

#[test]
fn a_broken_build_shows_the_overlay_until_fixed() {
    let (mut s, port) = serve();
    let host = format!("localhost:{port}");
    let mut events = EventStream::connect(port);
    assert_eq!(events.next().0, "ok");
    let path = s.path("content/cases/002.md");
    let good = read(&path);
    fs::write(&path, good.replace("region: South", "region: [South")).unwrap();
    let diagnostics = events.until("broken");
    assert!(
        diagnostics.contains("content/cases/002.md:"),
        "{diagnostics}"
    );
    s.wait_for("the failure", |l| l.starts_with("build failed"));
    // Pages opened while broken learn it on connect, and still get the last good page.
    let mut late = EventStream::connect(port);
    let (name, text) = late.next();
    assert_eq!(name, "broken");
    assert_eq!(text, diagnostics);
    let page = get(port, "/cases/002.html", &host);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Marker-2: original"));
    let script = get(port, "/__casebook/live.js", &host).text();
    assert!(script.contains("textContent") && !script.contains("innerHTML"));

    fs::write(&path, good.replace("Marker-2: original", "Marker-2: fixed")).unwrap();
    events.until("ok");
    let changed = events.until("reload");
    assert!(changed.lines().any(|l| l == "cases/002.html"), "{changed}");
    assert_eq!(late.until("ok"), "");
}

#[test]
fn build_output_has_no_live_reload_script() {
    let out = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/watch_site");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(["build", "--quiet", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(out.path().join("public"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut html = 0;
    for entry in walkdir::WalkDir::new(out.path()) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let text = fs::read(entry.path()).unwrap();
            let text = String::from_utf8_lossy(&text);
            assert!(!text.contains("/__casebook/"), "{}", entry.path().display());
            html += usize::from(entry.path().extension().is_some_and(|e| e == "html"));
        }
    }
    assert!(html > 5);
}
