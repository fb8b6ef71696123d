//! Code highlighting with syntect, emitting CSS classes (`hl-…`) rather than inline colours so
//! one stylesheet (`static/syntax.css`, light and dark) themes every page.
//!
//! Loading syntect's syntax set costs tens of milliseconds, so it happens at most once per
//! build and only when a fenced block names a language.

use std::sync::OnceLock;

use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

use super::escape_html;

pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

#[derive(Default)]
pub struct Highlighter {
    syntaxes: OnceLock<SyntaxSet>,
}

impl Highlighter {
    /// HTML for one fenced code block. `lang` is the first word of the fence's info string.
    pub fn highlight(&self, lang: &str, code: &str, enabled: bool) -> String {
        let lang_attr = if lang.is_empty() {
            String::new()
        } else {
            format!(" data-lang=\"{}\"", escape_html(lang))
        };
        let highlighted = if enabled && !lang.is_empty() {
            self.classed_html(lang, code)
        } else {
            None
        };
        let inner = highlighted.unwrap_or_else(|| escape_html(code));
        format!("<pre class=\"code\"{lang_attr}><code>{inner}</code></pre>\n")
    }

    fn classed_html(&self, lang: &str, code: &str) -> Option<String> {
        let syntaxes = self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines);
        let syntax = syntaxes
            .find_syntax_by_token(lang)
            .or_else(|| syntaxes.find_syntax_by_extension(lang))?;
        let mut generator =
            ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
    }

    /// Whether the syntax set has been loaded (tests check it stays unloaded without code).
    pub fn is_loaded(&self) -> bool {
        self.syntaxes.get().is_some()
    }
}

/// The stylesheet for highlighted code: a light theme, and a dark one under
/// `prefers-color-scheme: dark`. The shipped `static/syntax.css` is this text; a test keeps
/// them in sync.
pub fn stylesheet() -> String {
    use syntect::highlighting::ThemeSet;
    use syntect::html::css_for_theme_with_class_style;
    let themes = ThemeSet::load_defaults();
    let light = css_for_theme_with_class_style(&themes.themes["InspiredGitHub"], CLASS_STYLE)
        .expect("built-in theme converts to CSS");
    let dark = css_for_theme_with_class_style(&themes.themes["base16-ocean.dark"], CLASS_STYLE)
        .expect("built-in theme converts to CSS");
    let dark = dark
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "/* Generated from syntect's InspiredGitHub (light) and base16-ocean.dark (dark) themes.\n   Regenerate: UPDATE_SYNTAX_CSS=1 cargo test syntax_css */\n{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_blocks_do_not_load_syntect() {
        let h = Highlighter::default();
        let html = h.highlight("", "<b>&", true);
        assert_eq!(
            html,
            "<pre class=\"code\"><code>&lt;b&gt;&amp;</code></pre>\n"
        );
        assert!(!h.is_loaded());
    }

    #[test]
    fn known_language_gets_classes() {
        let h = Highlighter::default();
        let html = h.highlight("rust", "fn main() {}\n", true);
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(html.contains("data-lang=\"rust\""));
    }

    #[test]
    fn unknown_language_is_escaped_text() {
        let h = Highlighter::default();
        let html = h.highlight("nosuchlang\"", "x < y", true);
        assert!(html.contains("x &lt; y"));
        assert!(html.contains("data-lang=\"nosuchlang&quot;\""));
    }

    #[test]
    fn syntax_css_is_in_sync() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/themes/default/static/syntax.css"
        );
        let expected = stylesheet();
        if std::env::var_os("UPDATE_SYNTAX_CSS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            shipped == expected,
            "static/syntax.css is stale: run UPDATE_SYNTAX_CSS=1 cargo test syntax_css"
        );
    }
}
