//! `print.html`: the whole collection as one document, every case in id order, for printing
//! or saving as PDF.
//!
//! Case bodies were rendered for their own page (`cases/<slug>.html`), so before they are
//! stacked in one page at the site root three things are adjusted, in one linear pass each:
//! relative links and images are re-rooted (`files/x.png` → `cases/files/x.png`), ids and
//! in-page links get a per-case prefix (`case-7--一-背景情况`: two cases may both have a heading `一、背景情况`), and
//! headings move one level down under the case's own `h2`, so the page keeps one `h1`.

use std::borrow::Cow;

use serde::Serialize;

use super::context::{Common, Link, Summaries};
use crate::content::case::Case;

/// The page's root-relative URL; a collection of more than `print_max_cases` cases has no such
/// page ([`crate::site::Site::has_print_page`]).
pub const URL: &str = "print.html";

/// One case as printed.
#[derive(Serialize)]
pub struct PrintCase<'a> {
    /// The case as listed ([`CaseSummary`](super::context::CaseSummary)), converted once for
    /// this and its page.
    pub case: &'a tera::Value,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// The case's metrics (`MetricView`s), converted once for this, its page and the table.
    pub metrics: &'a tera::Value,
    /// The metrics as a table, as on the case's page.
    /// A mark the table is written over ([`super::fragments::TABLE_MARK`]), empty when the
    /// case has no metrics.
    pub metrics_html: tera::Value,
    /// Stands for the body ([`super::fragments::BODY_MARK`]), written over by
    /// [`adapt_body`] straight into the page: 7 kB a case, not worth a trip through Tera.
    pub content: tera::Value,
}

#[derive(Serialize)]
pub struct PrintPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    /// Every case's title and anchor (`#case-7`), for the table of contents.
    pub toc: Vec<Link>,
    /// Stands for the cases (`print_case.html`, one per case), spliced in after rendering:
    /// 100 MB of bodies at 10,000 cases are not worth converting into a template context.
    pub cases_html: tera::Value,
}

/// Where the cases go in the rendered `print.html`.
pub const CASES_MARK: &str = "\u{E000}cases\u{E000}";

/// One case, ready for the `print_case.html` template; its metric table `metrics_html` and
/// its body (with [`adapt_body`]) are then written over their marks.
pub fn print_case<'a>(
    case: &'a Case,
    summary: &'a tera::Value,
    metrics: &'a tera::Value,
    metrics_html: &str,
) -> PrintCase<'a> {
    use super::fragments::{mark, mark_unless_empty, BODY_MARK, TABLE_MARK};
    PrintCase {
        case: summary,
        extra: &case.extra,
        metrics,
        metrics_html: mark_unless_empty(TABLE_MARK, metrics_html),
        content: mark(BODY_MARK),
    }
}

/// The table of contents of `print.html`.
pub fn toc(summaries: &Summaries) -> Vec<Link> {
    (0..summaries.len())
        .map(|i| summaries.get(i))
        .map(|s| Link {
            name: s.title.to_string(),
            url: format!("#{}", id_prefix(&s.id.to_string())),
        })
        .collect()
}

/// The anchor of a case in `print.html`, also the prefix of its ids.
pub fn id_prefix(id: &str) -> String {
    format!("case-{id}")
}

/// A case body rendered for `page_url`, adjusted to sit in a page at the site root: in
/// ` id="…"`, ` href="…"` and ` src="…"` the value is adjusted ([`adapt_value`]), and
/// `<hN` / `</hN` go one level down. One pass: at 10,000 cases this runs over 100 MB.
/// Written at the end of `out`.
pub fn adapt_body(html: &str, page_url: &str, prefix: &str, out: &mut Vec<u8>) {
    let dir = page_url.rsplit_once('/').map_or("", |(dir, _)| dir);
    let bytes = html.as_bytes();
    out.reserve(adapted_len(html));
    let (mut plain, mut at) = (0, 0);
    while let Some(found) = memchr::memchr2(b' ', b'<', &bytes[at..]) {
        at += found;
        let rest = &html[at..];
        if bytes[at] == b'<' {
            if let Some(len) = heading_tag(rest) {
                out.extend_from_slice(&bytes[plain..at]);
                push_heading(&rest[..len], out);
                plain = at + len;
                at = plain;
                continue;
            }
        } else if let Some((name, value, len)) = attribute(rest) {
            out.extend_from_slice(&bytes[plain..at]);
            let adapted = format!(" {name}=\"{}\"", adapt_value(name, value, dir, prefix));
            // A value may hold `<h1` (raw HTML): it is moved down as anywhere else.
            push_headings(&adapted, out);
            plain = at + len;
            at = plain;
            continue;
        }
        at += 1;
    }
    out.extend_from_slice(&bytes[plain..]);
}

/// Room for a body once [`adapt_body`] has prefixed its ids and re-rooted its links: a
/// little more than the body (an estimate; most bodies have a few ids and links).
pub fn adapted_len(html: &str) -> usize {
    html.len() + html.len() / 32
}

/// The new value of an `id` (prefixed), in-page link (prefixed) or relative URL (re-rooted).
fn adapt_value<'v>(name: &str, value: &'v str, dir: &str, prefix: &str) -> Cow<'v, str> {
    match name {
        "id" => format!("{prefix}--{value}").into(),
        _ if value.len() > 1 && value.starts_with('#') => {
            format!("#{prefix}--{}", &value[1..]).into()
        }
        _ if is_relative(value) => join(dir, value).into(),
        _ => value.into(),
    }
}

/// ` id="value"` (or `href`, `src`) at the start of `text`: name, value and length.
fn attribute(text: &str) -> Option<(&str, &str, usize)> {
    let name = ["id", "href", "src"]
        .into_iter()
        .find(|name| text[1..].starts_with(name) && text[1 + name.len()..].starts_with("=\""))?;
    let start = 1 + name.len() + 2;
    let end = start + memchr::memchr(b'"', &text.as_bytes()[start..])?;
    Some((name, &text[start..end], end + 1))
}

/// The length of `<hN` or `</hN` (N in 1–6, then no word character) at the start of `text`.
fn heading_tag(text: &str) -> Option<usize> {
    let tag = text.strip_prefix('<')?;
    let slash = usize::from(tag.starts_with('/'));
    let level = tag[slash..].strip_prefix('h')?.as_bytes().first()?;
    if !(b'1'..=b'6').contains(level) {
        return None;
    }
    let len = 1 + slash + 2;
    // As regex's Unicode `\b`, which the two passes this replaced used.
    let word_follows = text[len..]
        .chars()
        .next()
        .is_some_and(regex_syntax::is_word_character);
    (!word_follows).then_some(len)
}

/// A heading tag (`<h2`, `</h2`) one level down, h6 staying h6.
fn push_heading(tag: &str, out: &mut Vec<u8>) {
    let (head, level) = tag.split_at(tag.len() - 1);
    let level = level.as_bytes()[0] - b'0';
    out.extend_from_slice(head.as_bytes());
    out.push(b'0' + (level + 1).min(6));
}

/// `text` with every heading tag in it one level down.
fn push_headings(text: &str, out: &mut Vec<u8>) {
    let mut plain = 0;
    for (at, _) in text.match_indices('<') {
        if at < plain {
            continue;
        }
        if let Some(len) = heading_tag(&text[at..]) {
            out.extend_from_slice(&text.as_bytes()[plain..at]);
            push_heading(&text[at..at + len], out);
            plain = at + len;
        }
    }
    out.extend_from_slice(&text.as_bytes()[plain..]);
}

/// `dir` joined with the relative `url`, `..` resolved as far as `dir` goes.
fn join(dir: &str, url: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let mut rest = url;
    while let Some(up) = rest.strip_prefix("../") {
        if parts.pop().is_none() {
            return url.to_string();
        }
        rest = up;
    }
    parts.push(rest);
    parts.join("/")
}

/// A URL relative to the page: no scheme, not absolute, not only a fragment.
fn is_relative(url: &str) -> bool {
    let scheme = url
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && !s.contains(['/', '?', '#']));
    !(url.is_empty() || url.starts_with(['/', '#', '?']) || scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`adapt_body`] into a string of its own.
    fn adapted(html: &str, page_url: &str, prefix: &str) -> String {
        let mut out = Vec::new();
        adapt_body(html, page_url, prefix, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// The two-regex version this replaced, as the reference for the one-pass scan.
    fn adapt_body_by_regex(html: &str, page_url: &str, prefix: &str) -> String {
        static ATTRIBUTE: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new(r#" (id|href|src)="([^"]*)""#).unwrap());
        static HEADING: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new(r"<(/?)h([1-6])\b").unwrap());
        let (attribute, heading) = (&*ATTRIBUTE, &*HEADING);
        let dir = page_url.rsplit_once('/').map_or("", |(dir, _)| dir);
        let attributes = attribute.replace_all(html, |c: &regex::Captures| {
            format!(" {}=\"{}\"", &c[1], adapt_value(&c[1], &c[2], dir, prefix))
        });
        heading
            .replace_all(&attributes, |c: &regex::Captures| {
                let level: u8 = c[2].parse().unwrap_or(6);
                format!("<{}h{}", &c[1], (level + 1).min(6))
            })
            .into_owned()
    }

    #[test]
    fn the_one_pass_scan_agrees_with_the_regexes() {
        let pieces = [
            "<h2 id=\"一-背景\">",
            "</h2>",
            "<h6>",
            "<h7>",
            "<h1中>",
            "<hr>",
            "<header>",
            " id=\"x\"",
            " href=\"#a\"",
            " href=\"#\"",
            " src=\"files/a.png\"",
            " href=\"../tags/t.html\"",
            " href=\"https://e.org/\"",
            " href=\"mailto:a@b\"",
            " href=\"/abs\"",
            " data-id=\"y\"",
            " id=\"<h1\"",
            " id=\"",
            "\"",
            " href=",
            "id=\"z\"",
            "正文",
            " ",
            "<",
            "<h",
            "</h3",
            "&quot;",
            "<a title=\"a>b\" href=\"c.html\">",
            "\n",
            "<h1_",
            "<h2\n",
            "é",
            // Where Unicode word characters differ from `char::is_alphanumeric`.
            "<h1",
            "</h2",
            "\u{301}",
            "²",
            "‿",
            "＿",
            "\u{200D}",
            "½",
        ];
        let mut seed: u64 = 7;
        for _ in 0..20_000 {
            let mut html = String::new();
            for _ in 0..(seed % 9) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                html.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            assert_eq!(
                adapted(&html, "cases/x/001.html", "case-1"),
                adapt_body_by_regex(&html, "cases/x/001.html", "case-1"),
                "{html:?}"
            );
        }
    }

    #[test]
    fn ids_and_fragments_get_the_case_prefix() {
        let html = "<h2 id=\"一-背景\">一、背景<a class=\"anchor\" href=\"#一-背景\">#</a></h2>";
        assert_eq!(
            adapted(html, "cases/001.html", "case-1"),
            "<h3 id=\"case-1--一-背景\">一、背景<a class=\"anchor\" href=\"#case-1--一-背景\">#</a></h3>"
        );
    }

    #[test]
    fn relative_urls_are_rerooted_and_others_kept() {
        let html = concat!(
            "<a href=\"#\">top</a><a href=\"002.html#x\">a</a><img src=\"files/a.png\" alt=\"\">",
            "<a href=\"../tags/t.html\">t</a><a href=\"https://example.org/a\">e</a>",
            "<a href=\"mailto:x@example.org\">m</a><a href=\"/abs\">b</a>"
        );
        assert_eq!(
            adapted(html, "cases/001.html", "case-1"),
            concat!(
                "<a href=\"#\">top</a><a href=\"cases/002.html#x\">a</a><img src=\"cases/files/a.png\" alt=\"\">",
                "<a href=\"tags/t.html\">t</a><a href=\"https://example.org/a\">e</a>",
                "<a href=\"mailto:x@example.org\">m</a><a href=\"/abs\">b</a>"
            )
        );
    }

    #[test]
    fn headings_move_one_level_down_and_stop_at_h6() {
        let html = "<h1>a</h1><h5>b</h5><h6>c</h6><header>x</header>";
        assert_eq!(
            adapted(html, "cases/1.html", "p"),
            "<h2>a</h2><h6>b</h6><h6>c</h6><header>x</header>"
        );
    }

    #[test]
    fn text_that_looks_like_an_attribute_is_left_alone() {
        let html = "<p>id=&quot;x&quot; and href=&quot;y&quot;</p>";
        assert_eq!(adapted(html, "cases/1.html", "p"), html);
    }
}
