//! `print.html`: the whole collection as one document, every case in id order, for printing
//! or saving as PDF.
//!
//! Case bodies were rendered for their own page (`cases/<slug>.html`), so before they are
//! stacked in one page at the site root three things are adjusted, in one linear pass each:
//! relative links and images are re-rooted (`files/x.png` → `cases/files/x.png`), ids and
//! in-page links get a per-case prefix (`case-7--一-背景情况`: two cases may both have a heading `一、背景情况`), and
//! headings move one level down under the case's own `h2`, so the page keeps one `h1`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde::Serialize;

use super::context::{CaseSummary, Common, Link, Summaries};
use crate::content::case::Case;
use crate::site::metrics::MetricView;

/// One case as printed.
#[derive(Serialize)]
pub struct PrintCase<'a> {
    pub case: &'a CaseSummary<'a>,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    pub metrics: Vec<MetricView>,
    /// The metrics as a table, as on the case's page.
    pub metrics_html: &'a str,
    /// The body, adjusted to sit in `print.html`.
    pub content: String,
}

#[derive(Serialize)]
pub struct PrintPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    /// Every case's title and anchor (`#case-7`), for the table of contents.
    pub toc: Vec<Link>,
    /// Stands for the cases (`print_case.html`, one per case), spliced in after rendering:
    /// 100 MB of bodies at 10,000 cases are not worth converting into a template context.
    pub cases_html: &'static str,
}

/// Where the cases go in the rendered `print.html`.
pub const CASES_MARK: &str = "\u{E000}cases\u{E000}";

/// One case, ready for the `print_case.html` template.
pub fn print_case<'a>(
    case: &'a Case,
    summary: &'a CaseSummary<'a>,
    metrics: Vec<MetricView>,
    metrics_html: &'a str,
) -> PrintCase<'a> {
    PrintCase {
        case: summary,
        extra: &case.extra,
        metrics,
        metrics_html,
        content: adapt_body(
            &case.rendered.html,
            &case.url,
            &id_prefix(&case.id.to_string()),
        ),
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

static ATTRIBUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#" (id|href|src)="([^"]*)""#).expect("the attribute pattern is a valid regex")
});
static HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(/?)h([1-6])\b").expect("the heading pattern is a valid regex"));

/// A case body rendered for `page_url`, adjusted to sit in a page at the site root.
pub fn adapt_body(html: &str, page_url: &str, prefix: &str) -> String {
    let dir = page_url.rsplit_once('/').map_or("", |(dir, _)| dir);
    let attributes = ATTRIBUTE.replace_all(html, |c: &Captures| {
        let value = &c[2];
        let value: Cow<str> = match &c[1] {
            "id" => format!("{prefix}--{value}").into(),
            _ if value.len() > 1 && value.starts_with('#') => {
                format!("#{prefix}--{}", &value[1..]).into()
            }
            _ if is_relative(value) => join(dir, value).into(),
            _ => value.into(),
        };
        format!(" {}=\"{value}\"", &c[1])
    });
    HEADING
        .replace_all(&attributes, |c: &Captures| {
            let level: u8 = c[2].parse().unwrap_or(6);
            format!("<{}h{}", &c[1], (level + 1).min(6))
        })
        .into_owned()
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

    #[test]
    fn ids_and_fragments_get_the_case_prefix() {
        let html = "<h2 id=\"一-背景\">一、背景<a class=\"anchor\" href=\"#一-背景\">#</a></h2>";
        assert_eq!(
            adapt_body(html, "cases/001.html", "case-1"),
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
            adapt_body(html, "cases/001.html", "case-1"),
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
            adapt_body(html, "cases/1.html", "p"),
            "<h2>a</h2><h6>b</h6><h6>c</h6><header>x</header>"
        );
    }

    #[test]
    fn text_that_looks_like_an_attribute_is_left_alone() {
        let html = "<p>id=&quot;x&quot; and href=&quot;y&quot;</p>";
        assert_eq!(adapt_body(html, "cases/1.html", "p"), html);
    }
}
