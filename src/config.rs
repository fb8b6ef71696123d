//! Site configuration: `casebook.toml` in the site root.
//!
//! [`RawConfig`] mirrors the file (strict: unknown keys are errors with a did-you-mean);
//! [`Config`] is the validated form the rest of the pipeline reads, with absolute paths.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::{explain_unknown_field, line_col, Diagnostic, Diagnostics};

pub const CONFIG_FILE: &str = "casebook.toml";

/// `casebook.toml` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Only needed for absolute links in `atom.xml`, `sitemap.xml` and `robots.txt`.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub author: Option<String>,
    /// Publication date of the collection (`YYYY-MM-DD`), used by the feed when cases have none.
    #[serde(default)]
    pub date: Option<String>,
    /// Lists longer than this (the index, term pages) are split into pages of this many
    /// cases, linked in order, so no page grows with the collection; `0` keeps every list on
    /// one page.
    #[serde(default = "default_paginate_by")]
    pub paginate_by: usize,
    /// A case without a `summary` gets the whole sentences of its first paragraph that fit
    /// in this many characters, else the paragraph cut there with `…`
    /// ([`crate::render::markdown::cut_summary`]); `0` keeps the whole paragraph.
    #[serde(default = "default_summary_length")]
    pub summary_length: usize,
    /// `print.html`, every case in full on one page, is made for collections of up to this
    /// many cases; `0` never makes it. Past about a thousand cases the page is too big to
    /// use: at 1,000 cases (9 MB) Chromium takes 12 s to open it and 108 s to print its
    /// 2,025 pages to PDF; at 10,000 (90 MB) it takes 169 s to open and had not printed after
    /// ten minutes. Each case page and list page still prints on its own.
    #[serde(default = "default_print_max_cases")]
    pub print_max_cases: usize,
    #[serde(default)]
    pub taxonomies: TaxonomiesConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub slugs: SlugConfig,
    #[serde(default)]
    pub import: ImportConfig,
}

fn default_language() -> String {
    "zh-CN".to_string()
}

fn default_paginate_by() -> usize {
    100
}

/// About what a search result shows of a page's description: a whole first paragraph made
/// every case page carry kilobytes of meta description.
fn default_summary_length() -> usize {
    150
}

fn default_print_max_cases() -> usize {
    1000
}

fn default_theme() -> String {
    "default".to_string()
}

/// The three taxonomies every case carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomiesConfig {
    #[serde(default)]
    pub tags: TaxonomyConfig,
    #[serde(default)]
    pub regions: TaxonomyConfig,
    #[serde(default)]
    pub departments: TaxonomyConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyConfig {
    /// Whether list and term pages are generated.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A closed vocabulary: when set, any other term is an error (catches typos in tags).
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
}

impl Default for TaxonomyConfig {
    fn default() -> Self {
        TaxonomyConfig {
            enabled: true,
            allowed: None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Raw HTML in Markdown is sanitized unless the content is trusted.
    #[serde(default)]
    pub allow_html: bool,
    #[serde(default = "yes")]
    pub highlight_code: bool,
    #[serde(default)]
    pub smart_punctuation: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            allow_html: false,
            highlight_code: true,
            smart_punctuation: false,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlugConfig {
    /// Transliterate taxonomy terms to ASCII (`并联审批` → `bing-lian-shen-pi`) instead of
    /// keeping readable CJK in URLs.
    #[serde(default)]
    pub transliterate: bool,
}

/// Known names that let `casebook import` fill `region` and `department` from a case title.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportConfig {
    /// Region names, matched at the start of a title (`福州市…`).
    #[serde(default)]
    pub regions: Vec<String>,
    /// Units, as `"title prefix" = ["region", "department"]`, e.g. `"省税务局" = ["福建省", "国家税务总局福建省税务局"]`.
    #[serde(default)]
    pub units: std::collections::BTreeMap<String, (String, String)>,
}

/// UI language: drives the strings of the default theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Language {
    ZhCn,
    En,
}

/// The validated configuration of one site.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub raw: RawConfig,
    pub language: Language,
    /// Normalised to end with `/`.
    pub base_url: Option<String>,
}

impl Config {
    /// Reads and validates `casebook.toml` in `root`.
    pub fn load(root: &Path) -> Result<Config, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::error(CONFIG_FILE, format!("cannot read the site config: {e}")).with_hint(
                "run `casebook build` in a site folder, pass `--root DIR`, or create one with `casebook init DIR`",
            )
        })?;
        Config::from_toml(root, &text)
    }

    /// Parses and validates config text; `root` is where the site lives.
    pub fn from_toml(root: &Path, text: &str) -> Result<Config, Diagnostics> {
        let (raw, mut problems) = parse_all_problems(text);
        let raw = raw.ok_or_else(|| problems.clone())?;
        let language = parse_language(&raw.language).unwrap_or_else(|| {
            problems.push(
                Diagnostic::error(
                    CONFIG_FILE,
                    format!("unsupported language `{}`", raw.language),
                )
                .with_hint("casebook ships UI strings for `zh-CN` and `en`"),
            );
            Language::En
        });
        let base_url = raw.base_url.as_deref().and_then(|url| {
            normalise_base_url(url).or_else(|| {
                problems.push(
                    Diagnostic::error(
                        CONFIG_FILE,
                        format!("base_url `{url}` is not an http(s) URL"),
                    )
                    .with_hint(
                        "write e.g. `base_url = \"https://example.org/cases/\"`, or remove it",
                    ),
                );
                None
            })
        });
        if let Some(date) = &raw.date {
            if !crate::content::case::is_valid_date(date) {
                problems.push(
                    Diagnostic::error(CONFIG_FILE, format!("date `{date}` is not a date"))
                        .with_hint("write it as YYYY-MM-DD"),
                );
            }
        }
        if raw.theme.is_empty() || !crate::slug::is_safe_segment(&raw.theme) {
            problems.push(Diagnostic::error(
                CONFIG_FILE,
                format!("theme `{}` is not a plain folder name", raw.theme),
            ));
        }
        let root = root.to_path_buf();
        problems.into_result(Config {
            root,
            raw,
            language,
            base_url,
        })
    }

    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }

    /// The site's own copy of its theme, if any (`themes/<name>/`).
    pub fn theme_dir(&self) -> PathBuf {
        self.root.join("themes").join(&self.raw.theme)
    }
}

fn parse_language(tag: &str) -> Option<Language> {
    let lower = tag.to_ascii_lowercase();
    if lower == "zh" || lower.starts_with("zh-") {
        Some(Language::ZhCn)
    } else if lower == "en" || lower.starts_with("en-") {
        Some(Language::En)
    } else {
        None
    }
}

fn normalise_base_url(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return None;
    }
    Some(if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    })
}

/// Parses the config, reporting every unknown key rather than only the first: each unknown
/// key's line (or table, for an unknown `[table]`) is blanked and the text parsed again, so
/// line numbers stay true.
fn parse_all_problems(text: &str) -> (Option<RawConfig>, Diagnostics) {
    let mut problems = Diagnostics::new();
    let mut text = text.to_string();
    for _ in 0..50 {
        match toml::from_str::<RawConfig>(&text) {
            Ok(_) if problems.has_errors() => return (None, problems),
            Ok(raw) => return (Some(raw), problems),
            Err(error) => {
                let d = toml_diagnostic(&text, &error);
                let unknown = error.message().starts_with("unknown field");
                problems.push(d);
                match (unknown, error.span()) {
                    (true, Some(span)) => text = blank_entry(&text, span.start),
                    _ => return (None, problems),
                }
            }
        }
    }
    (None, problems)
}

/// Blanks the line holding `offset`; for a table header, the whole table.
fn blank_entry(text: &str, offset: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut blanking_table = false;
    for line in text.split_inclusive('\n') {
        let is_header = line.trim_start().starts_with('[');
        let hit = (pos..pos + line.len()).contains(&offset);
        if is_header && !hit {
            blanking_table = false;
        }
        if hit && is_header {
            blanking_table = true;
        }
        if hit || blanking_table {
            out.push_str(if line.ends_with('\n') { "\n" } else { "" });
        } else {
            out.push_str(line);
        }
        pos += line.len();
    }
    out
}

fn toml_diagnostic(text: &str, error: &toml::de::Error) -> Diagnostic {
    let message = error.message().trim().to_string();
    let mut d = match explain_unknown_field(&message) {
        Some((msg, hint)) => Diagnostic::error(CONFIG_FILE, msg).with_hint(hint),
        None => Diagnostic::error(CONFIG_FILE, message)
            .with_hint("see the configuration reference in README.md"),
    };
    if let Some(span) = error.span() {
        let (line, col) = line_col(text, span.start);
        d = d.at(line, col);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Diagnostics> {
        Config::from_toml(Path::new("/site"), text)
    }

    #[test]
    fn minimal_config_has_defaults() {
        let config = parse("title = \"T\"\n").unwrap();
        assert_eq!(config.language, Language::ZhCn);
        assert_eq!(config.raw.theme, "default");
        assert!(config.raw.taxonomies.tags.enabled);
        assert!(!config.raw.markdown.allow_html);
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let err = parse("title = \"T\"\ndescriptoin = \"x\"\n").unwrap_err();
        let d = &err.0[0];
        assert_eq!(d.message, "unknown field `descriptoin`");
        assert_eq!(d.hint.as_deref(), Some("did you mean `description`?"));
        assert_eq!((d.line, d.column), (Some(2), Some(1)));
    }

    #[test]
    fn every_unknown_key_is_reported() {
        let err = parse(
            "title = \"T\"\nlanguge = \"en\"\n[markdown]\nallow_htm = true\n[taxonomie]\nx = 1\n",
        )
        .unwrap_err();
        let found: Vec<_> = err.0.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            found,
            [
                (Some(2), "unknown field `languge`"),
                (Some(4), "unknown field `allow_htm`"),
                (Some(5), "unknown field `taxonomie`")
            ]
        );
    }

    #[test]
    fn base_url_gets_a_trailing_slash() {
        let config = parse("title = \"T\"\nbase_url = \"https://example.org/c\"\n").unwrap();
        assert_eq!(config.base_url.as_deref(), Some("https://example.org/c/"));
        assert!(parse("title = \"T\"\nbase_url = \"ftp://x\"\n").is_err());
    }

    #[test]
    fn language_is_checked() {
        assert_eq!(
            parse("title = \"T\"\nlanguage = \"en-GB\"\n")
                .unwrap()
                .language,
            Language::En
        );
        let err = parse("title = \"T\"\nlanguage = \"fr\"\n").unwrap_err();
        assert!(err.0[0].message.contains("unsupported language"));
    }
}
