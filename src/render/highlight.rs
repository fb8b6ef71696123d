//! Code highlighting with syntect, emitting CSS classes (`hl-…`) rather than inline colours so
//! one stylesheet (`static/syntax.css`, light and dark) themes every page.
//!
//! Loading syntect's syntax set costs tens of milliseconds, so it happens at most once per
//! build and only when a fenced block names a language.

use std::sync::OnceLock;

use syntect::highlighting::Color;
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
    let light = readable(&themes.themes["InspiredGitHub"], PAGE_BG_LIGHT);
    let dark = readable(&themes.themes["base16-ocean.dark"], PAGE_BG_DARK);
    let light = css_for_theme_with_class_style(&light, CLASS_STYLE)
        .expect("built-in theme converts to CSS");
    let dark =
        css_for_theme_with_class_style(&dark, CLASS_STYLE).expect("built-in theme converts to CSS");
    let indent = |css: String| {
        css.lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Each theme in its own media block: the themes style different selectors, so a dark rule
    // placed after the light ones would not override them all. Print is always light.
    format!(
        "/* Generated from syntect's InspiredGitHub (light) and base16-ocean.dark (dark) themes,\n   colours adjusted to WCAG AA on the page background.\n   Regenerate: UPDATE_SYNTAX_CSS=1 cargo test syntax_css */\n@media not all and (prefers-color-scheme: dark), print {{\n{}\n}}\n@media screen and (prefers-color-scheme: dark) {{\n{}\n}}\n",
        indent(light),
        indent(dark)
    )
}

/// `--bg` of style.css, light and dark: code blocks sit on the page background.
const PAGE_BG_LIGHT: Color = Color {
    r: 0xfd,
    g: 0xfd,
    b: 0xfc,
    a: 0xff,
};
const PAGE_BG_DARK: Color = Color {
    r: 0x0d,
    g: 0x11,
    b: 0x17,
    a: 0xff,
};
/// WCAG AA for normal text is 4.5:1; a little margin for rounding.
const MIN_CONTRAST: f64 = 4.6;

/// `theme` with every text colour moved towards black (or white, on a dark page) just far
/// enough to reach [`MIN_CONTRAST`] on `background`: syntect's themes have several colours
/// (comments, constants) below WCAG AA.
fn readable(
    theme: &syntect::highlighting::Theme,
    background: Color,
) -> syntect::highlighting::Theme {
    let mut theme = theme.clone();
    let colours = theme
        .scopes
        .iter_mut()
        .filter_map(|item| item.style.foreground.as_mut())
        .chain(theme.settings.foreground.as_mut());
    for colour in colours {
        *colour = with_contrast(*colour, background);
    }
    theme
}

fn with_contrast(colour: Color, background: Color) -> Color {
    let towards = if luminance(background) > 0.5 {
        0.0
    } else {
        255.0
    };
    let mix = |c: u8, t: f64| (c as f64 + (towards - c as f64) * t).round() as u8;
    (0..=20)
        .map(|step| {
            let t = step as f64 / 20.0;
            Color {
                r: mix(colour.r, t),
                g: mix(colour.g, t),
                b: mix(colour.b, t),
                a: colour.a,
            }
        })
        .find(|c| contrast(*c, background) >= MIN_CONTRAST)
        .unwrap_or(colour)
}

/// WCAG relative luminance.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// WCAG contrast ratio, 1 to 21.
fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_colour_meets_wcag_aa_on_the_page() {
        use syntect::highlighting::ThemeSet;
        let themes = ThemeSet::load_defaults();
        for (name, bg) in [
            ("InspiredGitHub", PAGE_BG_LIGHT),
            ("base16-ocean.dark", PAGE_BG_DARK),
        ] {
            let original = &themes.themes[name];
            let below = original
                .scopes
                .iter()
                .filter_map(|i| i.style.foreground)
                .filter(|c| contrast(*c, bg) < 4.5)
                .count();
            assert!(
                below > 0,
                "{name} needed no fixing: the test checks nothing"
            );
            for item in readable(original, bg).scopes {
                if let Some(fg) = item.style.foreground {
                    assert!(contrast(fg, bg) >= 4.5, "{name}: {fg:?} on {bg:?}");
                }
            }
        }
        assert!((contrast(Color::BLACK, Color::WHITE) - 21.0).abs() < 1e-9);
    }

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
