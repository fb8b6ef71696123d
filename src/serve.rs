//! `casebook serve`: a local preview server over the output folder, with live reload.
//!
//! HTTP is `tiny_http`'s job; this module decides what may be served. A preview server runs
//! on a developer's machine while a browser visits other sites, so it is careful where
//! Zola's is not:
//! - bound to 127.0.0.1 unless told otherwise;
//! - a request whose `Host` is not this machine (`localhost`, a loopback or the bound IP
//!   address) is refused, so a page on a foreign domain that rebinds its DNS name to
//!   127.0.0.1 cannot read the site;
//! - no `Access-Control-Allow-Origin` header;
//! - only regular files inside the output folder are served: the path is percent-decoded
//!   once, and `..` or `.` segments, backslashes, encoded slashes, NUL bytes and drive
//!   letters are refused before the file system is asked; the canonical file must lie in
//!   the canonical output folder, so symlinks out of it are refused too.
//!
//! Live reload uses Server-Sent Events on `/__casebook/events`. A small script, injected into
//! HTML responses here and never written by `build`, reloads the page when a rebuild wrote
//! it (or any stylesheet or script) and shows the build's diagnostics in an overlay while
//! the build is broken.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response};

/// Where live-reload clients connect.
pub const EVENTS_PATH: &str = "/__casebook/events";
/// The injected live-reload script.
pub const SCRIPT_PATH: &str = "/__casebook/live.js";
const SCRIPT: &str = include_str!("serve_live.js");
/// A `reload` event lists changed paths up to this many, else says `*`.
const MAX_LISTED: usize = 200;
/// How often idle event streams get a comment, which also finds closed ones.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What `casebook serve` was asked to listen on.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
}

/// A running preview server; it stops with the process.
pub struct Server {
    addr: SocketAddr,
    live: Arc<LiveReload>,
}

impl Server {
    /// Binds and starts serving `output` on background threads.
    pub fn start(output: &Path, options: &ServeOptions) -> io::Result<Server> {
        let http =
            tiny_http::Server::http((options.bind, options.port)).map_err(io::Error::other)?;
        let addr = http
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("not an IP socket"))?;
        let live = Arc::new(LiveReload::default());
        let site = Arc::new(SiteFolder {
            output: output.to_path_buf(),
            addr,
            live: Arc::clone(&live),
        });
        std::thread::spawn(move || {
            for request in http.incoming_requests() {
                let site = Arc::clone(&site);
                std::thread::spawn(move || site.handle(request));
            }
        });
        let pinger = Arc::clone(&live);
        std::thread::spawn(move || loop {
            std::thread::sleep(KEEPALIVE);
            pinger.send(": keep-alive\n\n");
        });
        Ok(Server { addr, live })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        match self.addr.ip() {
            ip if ip.is_unspecified() => format!("http://127.0.0.1:{}/", self.addr.port()),
            IpAddr::V6(ip) => format!("http://[{ip}]:{}/", self.addr.port()),
            IpAddr::V4(ip) => format!("http://{ip}:{}/", self.addr.port()),
        }
    }

    pub fn live(&self) -> &LiveReload {
        &self.live
    }
}

/// Open live-reload streams and the state of the build they are told about.
#[derive(Default)]
pub struct LiveReload {
    state: Mutex<LiveState>,
}

#[derive(Default)]
struct LiveState {
    clients: Vec<Box<dyn Write + Send>>,
    /// The diagnostics text while the build is broken.
    broken: Option<String>,
}

impl LiveReload {
    /// A build succeeded and wrote `written` (output paths): reload pages showing them.
    pub fn built(&self, written: &[String]) {
        let was_broken = self.lock().broken.take().is_some();
        if was_broken {
            self.send("event: ok\ndata: \n\n");
        }
        if written.is_empty() {
            return;
        }
        let list = if written.len() > MAX_LISTED {
            "*".to_string()
        } else {
            written.join("\n")
        };
        self.send(&event("reload", &list));
    }

    /// A build failed: show `diagnostics` on every open page until the next good build.
    pub fn failed(&self, diagnostics: &str) {
        self.lock().broken = Some(diagnostics.to_string());
        self.send(&event("broken", diagnostics));
    }

    fn subscribe(&self, mut client: Box<dyn Write + Send>) {
        let mut state = self.lock();
        let first = match &state.broken {
            Some(text) => event("broken", text),
            None => "event: ok\ndata: \n\n".to_string(),
        };
        if client
            .write_all(first.as_bytes())
            .and_then(|()| client.flush())
            .is_ok()
        {
            state.clients.push(client);
        }
    }

    /// Writes `text` to every stream, dropping the ones that are closed.
    fn send(&self, text: &str) {
        self.lock().clients.retain_mut(|client| {
            client
                .write_all(text.as_bytes())
                .and_then(|()| client.flush())
                .is_ok()
        });
    }

    fn lock(&self) -> MutexGuard<'_, LiveState> {
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One Server-Sent Event; every line of `data` gets its own `data:` field.
fn event(name: &str, data: &str) -> String {
    let mut out = format!("event: {name}\n");
    for line in data.lines() {
        out.push_str("data: ");
        out.push_str(line);
        out.push('\n');
    }
    if data.is_empty() {
        out.push_str("data: \n");
    }
    out.push('\n');
    out
}

/// Everything a request handler needs.
struct SiteFolder {
    output: PathBuf,
    addr: SocketAddr,
    live: Arc<LiveReload>,
}

impl SiteFolder {
    fn handle(&self, request: Request) {
        let host = request
            .headers()
            .iter()
            .find(|h| h.field.equiv("Host"))
            .map(|h| h.value.as_str().to_string());
        if !host.is_some_and(|h| host_allowed(&h, self.addr)) {
            let _ = request.respond(text_response(403, "403 Forbidden: unknown Host\n"));
            return;
        }
        if !matches!(request.method(), Method::Get | Method::Head) {
            let _ = request.respond(text_response(405, "405 Method Not Allowed\n"));
            return;
        }
        let target = request.url().to_string();
        let path = target.split(['?', '#']).next().unwrap_or_default();
        match path {
            EVENTS_PATH => return self.events(request),
            SCRIPT_PATH => {
                let response = file_response(200, SCRIPT.as_bytes().to_vec(), "script.js");
                let _ = request.respond(response);
                return;
            }
            _ => {}
        }
        let response = match resolve(&self.output, path) {
            Resolved::File(file) => match std::fs::read(&file) {
                Ok(bytes) => self.page(200, bytes, &file),
                Err(_) => self.not_found(),
            },
            Resolved::Directory => redirect(&format!("{path}/")),
            Resolved::NotFound => self.not_found(),
        };
        let _ = request.respond(response);
    }

    /// A file's response, with the live-reload script in HTML.
    fn page(&self, status: u16, bytes: Vec<u8>, file: &Path) -> Response<io::Cursor<Vec<u8>>> {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let bytes = if name.ends_with(".html") {
            inject_script(bytes)
        } else {
            bytes
        };
        file_response(status, bytes, &name)
    }

    fn not_found(&self) -> Response<io::Cursor<Vec<u8>>> {
        let page = self.output.join("404.html");
        match std::fs::read(&page) {
            Ok(bytes) => self.page(404, bytes, &page),
            Err(_) => text_response(404, "404 Not Found\n"),
        }
    }

    /// Hands the connection to [`LiveReload`] as an event stream.
    fn events(&self, request: Request) {
        let mut writer = request.into_writer();
        let head = "HTTP/1.1 200 OK\r\n\
                    Content-Type: text/event-stream; charset=utf-8\r\n\
                    Cache-Control: no-store\r\n\
                    X-Content-Type-Options: nosniff\r\n\
                    Connection: close\r\n\r\n";
        if writer.write_all(head.as_bytes()).is_ok() {
            self.live.subscribe(writer);
        }
    }
}

/// Whether a `Host` header names this server: a loopback name or address, or the bound
/// address; any IP address when bound to all interfaces. Never another DNS name.
fn host_allowed(host: &str, addr: SocketAddr) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    if port.is_some_and(|p| p.parse::<u16>().ok() != Some(addr.port())) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match name.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip == addr.ip() || addr.ip().is_unspecified(),
        Err(_) => false,
    }
}

enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing `/`: relative links need it.
    Directory,
    NotFound,
}

/// Maps a request path to a regular file inside `output`, or refuses it.
fn resolve(output: &Path, path: &str) -> Resolved {
    let Some(rel) = safe_relative_path(path) else {
        return Resolved::NotFound;
    };
    let Ok(base) = std::fs::canonicalize(output) else {
        return Resolved::NotFound;
    };
    let mut candidate = base.join(&rel);
    if candidate.is_dir() {
        if !(path.ends_with('/')) {
            return Resolved::Directory;
        }
        candidate.push("index.html");
    }
    match std::fs::canonicalize(&candidate) {
        Ok(real) if real.starts_with(&base) && real.is_file() => Resolved::File(real),
        _ => Resolved::NotFound,
    }
}

/// The decoded, checked relative path of a request, or `None` for anything suspicious.
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix('/')?;
    let lower = rest.to_ascii_lowercase();
    if ["%2f", "%5c", "%00"].iter().any(|bad| lower.contains(bad)) {
        return None;
    }
    let decoded = String::from_utf8(percent_decode(rest)?).ok()?;
    if decoded.contains(['\\', '\0', ':']) {
        return None;
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let last = segments.len() - 1;
    let mut rel = PathBuf::new();
    for (i, segment) in segments.into_iter().enumerate() {
        match segment {
            "" if i == last => {}
            "" | "." | ".." => return None,
            // Hidden files are never published (watch mode keeps its spares there).
            s if s.starts_with('.') => return None,
            s => rel.push(s),
        }
    }
    Some(rel)
}

/// Decodes `%XX` escapes once; `None` for a malformed escape.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Inserts the live-reload script before the last `</body>`, or at the end.
fn inject_script(mut html: Vec<u8>) -> Vec<u8> {
    let tag = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    html.splice(at..at, tag.bytes());
    html
}

/// The `Content-Type` of a file name, UTF-8 for text.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("svg") => "image/svg+xml; charset=utf-8",
        Some("xml") => "application/xml; charset=utf-8",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("header names and values here are plain ASCII")
}

fn file_response(status: u16, bytes: Vec<u8>, name: &str) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_data(bytes)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type(name)))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn text_response(status: u16, text: &str) -> Response<io::Cursor<Vec<u8>>> {
    file_response(status, text.as_bytes().to_vec(), "error.txt")
}

fn redirect(location: &str) -> Response<io::Cursor<Vec<u8>>> {
    text_response(301, "301 Moved Permanently\n").with_header(header("Location", location))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspicious_paths_are_refused_before_the_file_system() {
        for bad in [
            "/../etc/passwd",
            "/cases/../../x",
            "/%2e%2e/x",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/cases/..%2f..%2fx",
            "/a%2fb",
            "/a%5cb",
            "/..\\x",
            "/a//b",
            "//etc/passwd",
            "/C:/Windows/win.ini",
            "/x%00.html",
            "/./x",
            "/.metrics.html.casebook-tmp",
            "/data/%2Emetrics.csv.casebook-tmp",
            "/%zz",
            "x.html",
            "http://evil.example/x",
        ] {
            assert!(safe_relative_path(bad).is_none(), "{bad}");
        }
        assert_eq!(
            safe_relative_path("/tags/%E5%8F%B8%E6%B3%95.html"),
            Some(PathBuf::from("tags/司法.html"))
        );
        assert_eq!(safe_relative_path("/tags/"), Some(PathBuf::from("tags")));
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        // Decoded once: a double-encoded dot-dot is a strange file name, not a parent.
        assert_eq!(
            safe_relative_path("/%252e%252e/x"),
            Some(PathBuf::from("%2e%2e/x"))
        );
    }

    #[test]
    fn only_local_hosts_are_allowed() {
        let addr: SocketAddr = "127.0.0.1:1111".parse().unwrap();
        for ok in [
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "localhost",
        ] {
            assert!(host_allowed(ok, addr), "{ok}");
        }
        for bad in [
            "evil.example:1111",
            "localhost.evil.example:1111",
            "127.0.0.1:2222",
            "10.0.0.5:1111",
            "",
        ] {
            assert!(!host_allowed(bad, addr), "{bad}");
        }
        let any: SocketAddr = "0.0.0.0:1111".parse().unwrap();
        assert!(host_allowed("192.168.1.7:1111", any));
        assert!(!host_allowed("rebind.example:1111", any));
    }

    #[test]
    fn script_goes_before_the_last_body_end() {
        let html = inject_script(b"<body><p>x</p></body>\n".to_vec());
        let html = String::from_utf8(html).unwrap();
        assert!(html.ends_with("live.js\"></script></body>\n"), "{html}");
        let bare = String::from_utf8(inject_script(b"<p>x</p>".to_vec())).unwrap();
        assert!(bare.ends_with("</script>"));
    }

    #[test]
    fn events_prefix_every_data_line() {
        assert_eq!(
            event("broken", "a\nb"),
            "event: broken\ndata: a\ndata: b\n\n"
        );
        assert_eq!(event("ok", ""), "event: ok\ndata: \n\n");
    }

    #[test]
    fn text_types_say_utf8() {
        for name in [
            "a.html", "a.css", "a.js", "a.json", "a.csv", "a.svg", "a.xml",
        ] {
            assert!(content_type(name).ends_with("charset=utf-8"), "{name}");
        }
        assert_eq!(content_type("a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("a.woff2"), "font/woff2");
    }
}
