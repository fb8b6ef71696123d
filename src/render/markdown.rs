//! Markdown to HTML: pulldown-cmark with tables, footnotes, strikethrough, task lists and
//! heading ids, plus what a case page needs from the same pass: heading anchors and a table of
//! contents, the plain text (for summaries and search), resolved links between content files,
//! and highlighted code.
//!
//! Safety: link and image URLs with a dangerous scheme (`javascript:`, `data:`, …) become `#`.
//! Raw HTML is run through ammonia unless the site trusts its content; pages without raw HTML
//! skip the sanitizer, since everything else in them was produced here.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use super::escape_html;
use super::highlight::Highlighter;
use crate::config::{MarkdownConfig, RawConfig};

/// What one Markdown document turned into.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// The text without markup, blocks separated by newlines.
    pub text: String,
    /// The start of the first paragraph's text ([`cut_summary`]): the default summary.
    pub first_paragraph: String,
    /// Links to content files that do not exist, with their byte offset in the Markdown.
    #[serde(skip)]
    pub broken_links: Vec<BrokenLink>,
    /// Links to other files of the site (assets, generated pages), as site paths: checked once
    /// the output is known.
    #[serde(skip)]
    pub file_links: Vec<FileLink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub offset: usize,
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLink {
    pub offset: usize,
    /// Line and column of `offset` in the Markdown (1-based), for diagnostics after the
    /// Markdown itself is gone.
    pub line: usize,
    pub col: usize,
    /// As written in the Markdown.
    pub written: String,
    /// The site path it points to (`cases/files/a.pdf`).
    pub path: String,
}

/// How the renderer should treat a link destination written in Markdown.
pub enum LinkTarget {
    Keep,
    Rewrite(String),
    /// A link to a file of the site: rewritten to `url`, and `path` must exist in the output.
    File {
        url: String,
        path: String,
    },
    Broken,
}

/// The Markdown renderer for one build: options, sanitizer and highlighter made once.
pub struct MarkdownRenderer {
    config: MarkdownConfig,
    /// Where the default summary is cut ([`cut_summary`]); 0 keeps the whole paragraph.
    summary_length: usize,
    sanitizer: ammonia::Builder<'static>,
    pub highlighter: Highlighter,
}

impl MarkdownRenderer {
    /// The renderer of a site's content: its `[markdown]` options and `summary_length`.
    pub fn for_site(config: &RawConfig) -> Self {
        MarkdownRenderer {
            summary_length: config.summary_length,
            ..MarkdownRenderer::new(&config.markdown)
        }
    }

    /// A renderer with these options that keeps the whole first paragraph as the summary.
    pub fn new(config: &MarkdownConfig) -> Self {
        let mut sanitizer = ammonia::Builder::default();
        sanitizer
            .add_generic_attributes(["id", "class", "aria-hidden", "tabindex", "data-lang"])
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"]);
        MarkdownRenderer {
            config: config.clone(),
            summary_length: 0,
            sanitizer,
            highlighter: Highlighter::default(),
        }
    }

    /// Renders `markdown`; `links` decides what each link or image destination becomes.
    pub fn render(&self, markdown: &str, links: &dyn Fn(&str) -> LinkTarget) -> Rendered {
        let mut options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES;
        if self.config.smart_punctuation {
            options |= Options::ENABLE_SMART_PUNCTUATION;
        }
        let mut pass = Pass::new(self, markdown.len());
        for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
            pass.event(event, range.start, links);
        }
        let mut rendered = pass.finish(self);
        for link in &mut rendered.file_links {
            (link.line, link.col) = crate::diagnostic::line_col(markdown, link.offset);
        }
        rendered
    }
}

struct Heading {
    level: HeadingLevel,
    id: Option<String>,
    start: usize,
    text: String,
}

/// State of one walk over the events.
struct Pass<'a> {
    renderer: &'a MarkdownRenderer,
    events: Vec<Event<'a>>,
    heading: Option<Heading>,
    code: Option<(String, String)>,
    ids: std::collections::HashSet<String>,
    rendered: Rendered,
    paragraph: Option<String>,
    raw_html: bool,
    markdown_len: usize,
}

impl<'a> Pass<'a> {
    /// Buffers are sized from the Markdown's length: the plain text is rarely longer, the HTML
    /// rarely more than a quarter longer (10% on average), so they seldom grow by copying.
    fn new(renderer: &'a MarkdownRenderer, markdown_len: usize) -> Self {
        Pass {
            renderer,
            events: Vec::new(),
            heading: None,
            code: None,
            ids: Default::default(),
            rendered: Rendered {
                text: String::with_capacity(markdown_len),
                ..Rendered::default()
            },
            markdown_len,
            paragraph: None,
            raw_html: false,
        }
    }

    fn event(&mut self, event: Event<'a>, offset: usize, links: &dyn Fn(&str) -> LinkTarget) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.heading = Some(Heading {
                    level,
                    id: id.map(|s| s.to_string()),
                    start: self.events.len(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.close_heading(),
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, code)) = self.code.take() {
                    self.push_text(&code);
                    self.end_block();
                    let html = self.renderer.highlighter.highlight(
                        &lang,
                        &code,
                        self.renderer.config.highlight_code,
                    );
                    self.events.push(Event::Html(html.into()));
                }
            }
            Event::Text(text) if self.code.is_some() => {
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&text);
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.link_destination(dest_url, offset, links);
                self.events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.link_destination(dest_url, offset, links);
                self.events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            // A glyph, not a disabled `<input>`: an unlabelled form control is an accessibility
            // error, and a screen reader reads "☑ done" as well.
            Event::TaskListMarker(done) => {
                let glyph = if done { "☑\u{a0}" } else { "☐\u{a0}" };
                self.events.push(Event::Text(glyph.into()));
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                self.raw_html = true;
                self.events.push(event);
            }
            Event::Text(ref text) | Event::Code(ref text) => {
                self.push_text(text);
                self.events.push(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                self.push_text("\n");
                self.events.push(event);
            }
            Event::Start(Tag::Paragraph) => {
                if self.rendered.first_paragraph.is_empty() && self.heading.is_none() {
                    self.paragraph = Some(String::new());
                }
                self.events.push(event);
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_),
            ) => {
                if let Some(text) = self.paragraph.take() {
                    self.rendered.first_paragraph =
                        cut_summary(collapse_lines(&text), self.renderer.summary_length);
                }
                self.end_block();
                self.events.push(event);
            }
            other => self.events.push(other),
        }
    }

    fn push_text(&mut self, text: &str) {
        self.rendered.text.push_str(text);
        if let Some(h) = &mut self.heading {
            h.text.push_str(text);
        }
        if let Some(p) = &mut self.paragraph {
            p.push_str(text);
        }
    }

    fn end_block(&mut self) {
        if !self.rendered.text.is_empty() && !self.rendered.text.ends_with('\n') {
            self.rendered.text.push('\n');
        }
    }

    fn link_destination(
        &mut self,
        dest: CowStr<'a>,
        offset: usize,
        links: &dyn Fn(&str) -> LinkTarget,
    ) -> CowStr<'a> {
        if is_dangerous_url(&dest) {
            return "#".into();
        }
        match links(&dest) {
            LinkTarget::Keep => dest,
            LinkTarget::File { url, path } => {
                self.rendered.file_links.push(FileLink {
                    offset,
                    line: 0,
                    col: 0,
                    written: dest.to_string(),
                    path,
                });
                url.into()
            }
            LinkTarget::Rewrite(url) => url.into(),
            LinkTarget::Broken => {
                self.rendered.broken_links.push(BrokenLink {
                    offset,
                    target: dest.to_string(),
                });
                dest
            }
        }
    }

    fn close_heading(&mut self) {
        let Some(heading) = self.heading.take() else {
            return;
        };
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, self.events.drain(heading.start..));
        let title = collapse_lines(&heading.text);
        let id = self.unique_id(heading.id.unwrap_or_else(|| heading_slug(&title)));
        let level = heading.level as u8;
        let id = escape_html(&id);
        self.events.push(Event::Html(
            format!(
                "<h{level} id=\"{id}\">{inner_html}<a class=\"anchor\" href=\"#{id}\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>\n"
            )
            .into(),
        ));
        if (2..=3).contains(&level) {
            self.rendered.toc.push(TocEntry { level, id, title });
        }
        self.end_block();
    }

    fn unique_id(&mut self, base: String) -> String {
        let mut id = base.clone();
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    fn finish(mut self, renderer: &MarkdownRenderer) -> Rendered {
        let mut html = String::with_capacity(self.markdown_len + self.markdown_len / 4);
        pulldown_cmark::html::push_html(&mut html, self.events.drain(..));
        if self.raw_html && !renderer.config.allow_html {
            html = renderer.sanitizer.clean(&html).to_string();
        }
        // U+E000 leads every mark a page is spliced at (`fragments::splice`): written as the
        // entity (the same character to a reader), the body cannot hold a mark.
        if super::fragments::find_mark_lead(html.as_bytes()).is_some() {
            html = html.replace('\u{E000}', "&#xE000;");
        }
        // Kept until the end of the build: at its exact size (the guess above is a tenth over
        // for most Chinese text, and a long document doubles it).
        html.shrink_to_fit();
        self.rendered.html = html;
        trim_in_place(&mut self.rendered.text);
        self.rendered.text.shrink_to_fit();
        self.rendered
    }
}

/// `text.trim()`, in place: a copy of every case's text was 70 MB of new memory at 10,000
/// cases, and text starts with a block, so there is rarely anything to take off the front.
fn trim_in_place(text: &mut String) {
    let end = text.trim_end().len();
    text.truncate(end);
    let start = text.len() - text.trim_start().len();
    text.drain(..start);
}

/// Joins the lines of a paragraph: no space between CJK lines, one between Latin words.
fn collapse_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n').map(str::trim).filter(|l| !l.is_empty()) {
        let needs_space = matches!((out.chars().last(), line.chars().next()),
            (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric());
        if needs_space {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// The whole sentences at the start of `paragraph` that fit in `limit` characters (their
/// closing quotes may go a character or two past it). When there are none, or they are too
/// short to say much (under a third of the limit: an abbreviation such as `Dr.` ends a
/// "sentence" too), the paragraph is cut at the last space before the limit (at the limit
/// in text without spaces, such as Chinese) and ended with `…`. A `limit` of 0 keeps the
/// paragraph. The result is a prefix of the paragraph but for that `…`, so search can find
/// it in the body and index it once.
pub fn cut_summary(paragraph: String, limit: usize) -> String {
    let Some((limit_at, _)) = paragraph.char_indices().nth(limit).filter(|_| limit > 0) else {
        return paragraph;
    };
    let long_enough = |end: &usize| paragraph[..*end].chars().count() * 3 >= limit;
    if let Some(end) = last_sentence_end(&paragraph, limit_at).filter(long_enough) {
        let mut paragraph = paragraph;
        paragraph.truncate(end);
        return paragraph;
    }
    let head = &paragraph[..limit_at];
    let cut = match head.rfind(char::is_whitespace) {
        Some(space) if space >= limit_at / 2 => space,
        _ => limit_at,
    };
    let trimmed = head[..cut].trim_end_matches(|c: char| c.is_whitespace() || is_pause(c));
    let head = if trimmed.is_empty() { head } else { trimmed };
    format!("{head}…")
}

/// The end of the last whole sentence of `paragraph` whose end mark comes before byte
/// `limit_at`, with the closing quotes, brackets and further end marks after it (`。”`,
/// `?!`). A `.` ends a sentence only before white space or the end (`4.5` does not).
fn last_sentence_end(paragraph: &str, limit_at: usize) -> Option<usize> {
    let mut found = None;
    let mut chars = paragraph.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if at >= limit_at {
            break;
        }
        if !ends_sentence(c) {
            continue;
        }
        let mut end = at + c.len_utf8();
        while let Some(&(at, next)) = chars.peek() {
            if !(closes_quote(next) || (ends_sentence(next) && next != '.')) {
                break;
            }
            end = at + next.len_utf8();
            chars.next();
        }
        let next = paragraph[end..].chars().next();
        if c != '.' || next.is_none_or(char::is_whitespace) {
            found = Some(end);
        }
    }
    found
}

fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '.' | '…')
}

fn closes_quote(c: char) -> bool {
    matches!(
        c,
        '”' | '’' | '」' | '』' | '）' | ')' | '"' | '\'' | ']' | '】'
    )
}

/// Punctuation that pauses a sentence: not left before the `…` of a cut one.
fn is_pause(c: char) -> bool {
    matches!(c, ',' | '，' | '、' | ';' | '；' | ':' | '：' | '-' | '—')
}

/// A heading's id: its letters and digits, lower case, each run of anything else one `-`
/// (none at the ends). One pass, with Chinese and ASCII answered before Unicode's tables.
fn heading_slug(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut gap = false;
    for c in title.chars() {
        let c = match c {
            'a'..='z' | '0'..='9' | '\u{4E00}'..='\u{9FFF}' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            c if !c.is_ascii() && c.is_alphanumeric() => c.to_lowercase().next().unwrap_or(c),
            _ => {
                gap = true;
                continue;
            }
        };
        if std::mem::take(&mut gap) && !slug.is_empty() {
            slug.push('-');
        }
        slug.push(c);
    }
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

/// Whether a URL has a scheme that must never reach an `href` or `src`.
pub fn is_dangerous_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .take(32)
        .collect::<String>()
        .to_ascii_lowercase();
    let Some((scheme, _)) = cleaned.split_once(':') else {
        return false;
    };
    if scheme.contains(['/', '?', '#']) {
        return false;
    }
    !matches!(scheme, "http" | "https" | "mailto" | "tel")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(md: &str) -> Rendered {
        MarkdownRenderer::new(&MarkdownConfig::default()).render(md, &|_| LinkTarget::Keep)
    }

    #[test]
    fn headings_get_ids_anchors_and_toc() {
        let r = render("## 一、背景情况\n\ntext\n\n## 一、背景情况\n\n### Sub {#custom}\n");
        assert!(
            r.html.contains(
                "<h2 id=\"一-背景情况\">一、背景情况<a class=\"anchor\" href=\"#一-背景情况\""
            ),
            "{}",
            r.html
        );
        let ids: Vec<_> = r.toc.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["一-背景情况", "一-背景情况-1", "custom"]);
    }

    #[test]
    fn text_is_trimmed_in_place_at_both_ends() {
        for (text, trimmed) in [
            ("  a b \n", "a b"),
            ("\n\n标题\n正文\n", "标题\n正文"),
            ("x", "x"),
            (" \u{3000}", ""),
            ("", ""),
        ] {
            let mut s = text.to_string();
            trim_in_place(&mut s);
            assert_eq!(s, trimmed, "{text:?}");
        }
    }

    #[test]
    fn heading_slugs_are_lower_case_words_joined_by_dashes() {
        // The slug as first written (map, split, join): the one-pass version must agree.
        let reference = |title: &str| {
            let mapped: String = title
                .chars()
                .map(|c| match c.is_alphanumeric() {
                    true => c.to_lowercase().next().unwrap_or(c),
                    false => '-',
                })
                .collect();
            let slug = mapped
                .split('-')
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>();
            match slug.join("-") {
                s if s.is_empty() => "section".to_string(),
                s => s,
            }
        };
        let titles = [
            "一、背景情况",
            "Hello, World!",
            "  -- Trim me --  ",
            "ÀÉÎ Ünïcode ÇA",
            "Σίσυφος ΟΔΥΣΣΕΥΣ",
            "v2.0 (beta) — 改革",
            "Ⅻ ① ２０２２年",
            "!!!",
            "",
            "a--b__c",
            "𠀀 rare 𪚥",
        ];
        for title in titles {
            assert_eq!(heading_slug(title), reference(title), "{title:?}");
        }
    }

    #[test]
    fn a_summary_keeps_the_whole_sentences_that_fit() {
        let cut = |text: &str, limit| cut_summary(text.to_string(), limit);
        let zh = "第一句话。第二句话！第三句话？";
        assert_eq!(cut(zh, 0), zh);
        assert_eq!(cut(zh, 15), zh);
        assert_eq!(cut(zh, 14), "第一句话。第二句话！");
        assert_eq!(cut(zh, 10), "第一句话。第二句话！");
        assert_eq!(cut(zh, 9), "第一句话。");
        // Closing quotes stay with their sentence.
        assert_eq!(cut("他说“好。”然后走了很远很远。", 8), "他说“好。”");
        // A first sentence longer than the limit is cut, without its trailing pause.
        assert_eq!(cut("一二三四，五六七八九十。", 5), "一二三四…");
        // A decimal point does not end a sentence; English is cut at a space.
        let en = "Approval took 4.5 days instead of twenty working days.";
        assert_eq!(cut(en, 20), "Approval took 4.5…");
        assert_eq!(cut("Took 4.5 days.", 6), "Took…");
        // Sentences too short to say much are not a summary: `Dr.` is no sentence.
        assert_eq!(
            cut("Fast. Then a much longer sentence follows.", 20),
            "Fast. Then a much…"
        );
        assert_eq!(
            cut("Dr. Smith went to the market today.", 20),
            "Dr. Smith went to…"
        );
        assert_eq!(cut("Done.", 5), "Done.");
        // Closing marks just past the limit stay with their sentence.
        assert_eq!(cut("他说“好。”然后走了很远。", 5), "他说“好。”");
        assert_eq!(cut("Wow?! Next sentence here.", 4), "Wow?!");
        // Nothing but pauses before the limit: cut as it is.
        assert_eq!(cut("，，，，，", 2), "，，…");
    }

    #[test]
    fn a_site_renderer_cuts_the_default_summary() {
        let config = crate::config::Config::from_toml(
            std::path::Path::new("."),
            "title = \"t\"\nsummary_length = 6",
        )
        .unwrap();
        let r = MarkdownRenderer::for_site(&config.raw)
            .render("# 标题\n\n第一句。第二句很长。\n", &|_| {
                LinkTarget::Keep
            });
        assert_eq!(r.first_paragraph, "第一句。");
        assert!(r.text.contains("第二句很长。"));
    }

    #[test]
    fn first_paragraph_and_text() {
        let r = render("# T\n\n第一段\n第二行\n\n- item\n");
        assert_eq!(r.first_paragraph, "第一段第二行");
        assert_eq!(r.text, "T\n第一段\n第二行\nitem");
    }

    #[test]
    fn gfm_extensions() {
        let r =
            render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~ [^1]\n\n[^1]: note\n\n- [x] done\n");
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>x</del>"));
        assert!(r.html.contains("footnote-definition"));
        assert!(r.html.contains("<li>☑\u{a0}done</li>"), "{}", r.html);
    }

    #[test]
    fn dangerous_urls_are_neutralised() {
        let r = render("[a](javascript:alert(1)) [b](JaVa\tScRiPt:x) ![c](data:text/html,x) [d](https://ok.example/)");
        assert!(!r.html.to_lowercase().contains("javascript"), "{}", r.html);
        assert!(!r.html.contains("data:"), "{}", r.html);
        assert!(r.html.contains("https://ok.example/"));
        assert!(!is_dangerous_url("cases/001.html"));
        assert!(!is_dangerous_url("a/b:c"));
        assert!(is_dangerous_url("vbscript:x"));
    }

    #[test]
    fn raw_html_is_sanitized_by_default() {
        let r = render("<script>alert(1)</script>\n\n<b onclick=\"x()\">bold</b> <img src=x onerror=alert(1)>\n");
        assert!(!r.html.contains("<script"), "{}", r.html);
        assert!(!r.html.contains("onclick"));
        assert!(!r.html.contains("onerror"));
        assert!(r.html.contains("<b>bold</b>"));
    }

    #[test]
    fn raw_html_is_kept_when_trusted() {
        let config = MarkdownConfig {
            allow_html: true,
            ..MarkdownConfig::default()
        };
        let r = MarkdownRenderer::new(&config)
            .render("<div class=\"x\" onclick=\"y\">z</div>\n", &|_| {
                LinkTarget::Keep
            });
        assert!(r.html.contains("onclick"));
    }

    #[test]
    fn links_are_resolved_or_reported() {
        let renderer = MarkdownRenderer::new(&MarkdownConfig::default());
        let r = renderer.render("see [a](002.md) and [b](404.md)", &|dest| match dest {
            "002.md" => LinkTarget::Rewrite("002.html".into()),
            "404.md" => LinkTarget::Broken,
            _ => LinkTarget::Keep,
        });
        assert!(r.html.contains("href=\"002.html\""));
        assert_eq!(
            r.broken_links,
            [BrokenLink {
                offset: 20,
                target: "404.md".into()
            }]
        );
    }

    #[test]
    fn code_blocks_are_highlighted_and_in_text() {
        let r = render("```rust\nfn main() {}\n```\n");
        assert!(r.html.contains("hl-"));
        assert!(r.text.contains("fn main"));
    }
}
