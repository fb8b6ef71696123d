//! The default theme's `case_card.html`, `metric_row.html` and `metric_table.html`, written
//! in Rust.
//!
//! At 10,000 cases a build renders 10,000 cards, 10,000 case metric tables and 22,600 metric
//! rows, each row twice (for term pages and for `metrics.html`). Through Tera, converting
//! each item to a template value and interpreting the template, that was a tenth of a
//! build's CPU. A theme that leaves these templates as they are gets the same bytes from the
//! functions here; a theme that changes one goes through Tera for it as before
//! ([`Builtin::of`]). The tests build sites both ways and compare every file
//! (`tests/build.rs`, `builtin_templates_match_tera`), so an edit to one of the templates
//! that is not made here too fails them.

use super::context::CaseSummary;
use super::fragments::ROOT_MARK;
use super::i18n::Strings;
use super::metrics_page::MetricRowView;
use super::theme::{Theme, DEFAULT_TEMPLATES};
use crate::site::metrics::MetricView;

/// Which of the templates written here the theme leaves as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct Builtin {
    pub case_card: bool,
    pub metric_row: bool,
    pub metric_table: bool,
}

impl Builtin {
    /// What `theme` leaves as the default theme has it, byte for byte.
    pub fn of(theme: &Theme) -> Builtin {
        let unchanged = |name: &str| {
            let default = DEFAULT_TEMPLATES.iter().find(|(n, _)| *n == name);
            let used = theme.templates.get(name).map(|t| t.text.as_bytes());
            matches!((default, used), (Some((_, d)), Some(u)) if *d == u)
        };
        Builtin {
            case_card: unchanged("case_card.html"),
            metric_row: unchanged("metric_row.html"),
            metric_table: unchanged("metric_table.html"),
        }
    }
}

/// HTML written a piece at a time: markup as it is, text escaped as every value a template
/// prints is ([`super::write_escaped`], which keeps marks safe).
struct Html(Vec<u8>);

impl Html {
    fn new() -> Self {
        Html(Vec::with_capacity(1024))
    }

    fn raw(&mut self, markup: &str) -> &mut Self {
        self.0.extend_from_slice(markup.as_bytes());
        self
    }

    fn text(&mut self, text: &str) -> &mut Self {
        // Writing to a `Vec` cannot fail.
        let _ = super::write_escaped(text, &mut self.0);
        self
    }

    /// `<a href="{root}{url}">{name}</a>`.
    fn link(&mut self, url: &str, name: &str) -> &mut Self {
        self.raw("<a href=\"").raw(ROOT_MARK).text(url).raw("\">");
        self.text(name).raw("</a>")
    }

    /// [`Html::link`], or the name alone when there is no URL (a term whose taxonomy is not
    /// published).
    fn link_or_name(&mut self, url: &str, name: &str) -> &mut Self {
        match url.is_empty() {
            true => self.text(name),
            false => self.link(url, name),
        }
    }

    /// The arrow in front of a change that goes `trend` (`up`, `down`), if any.
    fn trend(&mut self, trend: Option<&str>) -> &mut Self {
        match trend {
            Some("down") => self.raw("<span class=\"trend\" aria-hidden=\"true\">↓</span> "),
            Some("up") => self.raw("<span class=\"trend\" aria-hidden=\"true\">↑</span> "),
            _ => self,
        }
    }

    /// Whether a change `improved`, in words, when that is known.
    fn verdict(&mut self, improved: Option<bool>, t: &Strings) -> &mut Self {
        let (mark, word) = match improved {
            Some(true) => ("✓", t.improved),
            Some(false) => ("✗", t.worsened),
            None => return self,
        };
        self.raw(" <span class=\"verdict\">")
            .raw(mark)
            .raw(" ")
            .text(word);
        self.raw("</span>")
    }

    /// `<tr>` opened with the class that says whether the metric `improved`, when known.
    fn row_start(&mut self, prefix: &str, improved: Option<bool>) -> &mut Self {
        self.raw(prefix).raw(match improved {
            Some(true) => "<tr class=\"improved\">",
            Some(false) => "<tr class=\"worsened\">",
            None => "<tr>",
        })
    }

    fn into_string(self) -> String {
        // Only whole `str`s went in, so the check cannot fail.
        crate::content::utf8(self.0)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

/// `case_card.html` for `case`, trimmed as lists take it.
pub fn case_card(case: &CaseSummary, t: &Strings) -> String {
    let mut h = Html::new();
    h.raw("<li class=\"case-card\">\n  <h3 class=\"case-card-title\">");
    h.link(case.url, case.title)
        .raw("</h3>\n  <p class=\"meta\">\n");
    h.raw("    <span class=\"case-id\">")
        .text(t.case_id)
        .raw(" ");
    h.text(&case.id.to_string()).raw("</span>");
    for term in [&case.region, &case.department] {
        h.raw(" · ").link_or_name(term.url, term.name);
    }
    if let Some(date) = case.date.filter(|d| !d.is_empty()) {
        h.raw(" · <time datetime=\"")
            .text(date)
            .raw("\">")
            .text(date);
        h.raw("</time>");
    }
    h.raw("\n  </p>");
    if let Some(m) = case.headline {
        h.raw("\n  <p class=\"headline-metric\"><span class=\"visually-hidden\">");
        h.text(t.headline_metric).raw(": </span>").text(&m.name);
        match nonempty(&m.value) {
            Some(value) => h.raw(" <strong>").text(value).raw("</strong> "),
            None => {
                h.raw(" <strong>").text(or_empty(&m.before)).raw(" → ");
                h.text(or_empty(&m.after)).raw("</strong> ")
            }
        };
        h.text(&m.unit);
        if let (None, Some(pct)) = (nonempty(&m.value), nonempty(&m.change_pct)) {
            h.raw(" (").text(pct).raw(")");
        }
        h.raw("</p>");
    }
    if !case.tags.is_empty() {
        h.raw("\n  <ul class=\"tags\" aria-label=\"")
            .text(t.tag_list)
            .raw("\">");
        for tag in &case.tags {
            h.raw("<li>").link_or_name(tag.url, tag.name).raw("</li>");
        }
        h.raw("</ul>");
    }
    h.raw("\n</li>");
    h.into_string()
}

/// `metric_row.html` for `r`, with the case's region, department and tags when `full`,
/// trimmed as lists take it.
pub fn metric_row(r: &MetricRowView, full: bool, t: &Strings) -> String {
    let m = r.metric;
    let mut h = Html::new();
    h.row_start("", m.improved);
    h.raw("<td>").link(r.case_url, r.case_title).raw("</td>");
    if full {
        h.raw("<td>").text(r.region).raw("</td><td>");
        h.text(r.department).raw("</td><td>");
        for tag in r.tags {
            h.raw("<span class=\"tag\">").text(tag).raw("</span>");
        }
        h.raw("</td>");
    }
    h.raw("<td>").text(&m.name);
    if let Some(note) = nonempty(&m.note) {
        h.raw("<span class=\"note\">").text(note).raw("</span>");
    }
    h.raw("</td>");
    let number = |h: &mut Html, key: &str, shown: &str| {
        h.raw("<td class=\"num\" data-v=\"").text(key).raw("\">");
        h.text(shown).raw(" ").text(&m.unit).raw("</td>");
    };
    if let Some(value) = nonempty(&m.value) {
        number(&mut h, &r.sort.value, value);
        h.raw("<td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"></td>");
        h.raw("<td class=\"num\"></td></tr>");
        return h.into_string();
    }
    h.raw("<td class=\"num\"></td>");
    number(&mut h, &r.sort.before, or_empty(&m.before));
    number(&mut h, &r.sort.after, or_empty(&m.after));
    h.raw("<td class=\"num\" data-v=\"")
        .text(&r.sort.change)
        .raw("\">");
    h.trend(m.trend)
        .text(or_empty(&m.change))
        .raw(" ")
        .text(&m.unit);
    h.raw("</td><td class=\"num\"");
    if !r.sort.pct.is_empty() {
        h.raw(" data-v=\"").text(&r.sort.pct).raw("\"");
    }
    h.raw(">")
        .text(or_empty(&m.change_pct))
        .verdict(m.improved, t);
    h.raw("</td></tr>");
    h.into_string()
}

/// `metric_table.html`: a case's `metrics` under `caption`.
pub fn metric_table<'m>(
    caption: &str,
    metrics: impl Iterator<Item = &'m MetricView>,
    t: &Strings,
) -> String {
    let mut h = Html::new();
    h.raw("\n<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    h.text(caption)
        .raw("\">\n<table class=\"metrics\">\n  <caption>")
        .text(caption);
    h.raw("</caption>\n  <thead>\n    <tr>");
    for heading in [t.metric, t.before, t.after, t.change] {
        h.raw("<th scope=\"col\">").text(heading).raw("</th>");
    }
    h.raw("</tr>\n  </thead>\n  <tbody>");
    for m in metrics {
        h.row_start("\n    ", m.improved);
        h.raw("\n      <th scope=\"row\">").text(&m.name);
        if let Some(note) = nonempty(&m.note) {
            h.raw("<span class=\"note\">").text(note).raw("</span>");
        }
        h.raw("</th>");
        if let Some(value) = nonempty(&m.value) {
            h.raw("\n      <td colspan=\"2\" class=\"num\">")
                .text(value)
                .raw(" ");
            h.text(&m.unit)
                .raw("</td><td class=\"num\">–</td>\n    </tr>");
            continue;
        }
        for shown in [&m.before, &m.after] {
            h.raw("\n      <td class=\"num\">")
                .text(or_empty(shown))
                .raw(" ");
            h.text(&m.unit).raw("</td>");
        }
        h.raw("\n      <td class=\"num\">")
            .trend(m.trend)
            .text(or_empty(&m.change));
        h.raw(" ").text(&m.unit);
        if let Some(pct) = nonempty(&m.change_pct) {
            h.raw(" <span class=\"pct\">(").text(pct).raw(")</span>");
        }
        h.verdict(m.improved, t).raw("</td>\n    </tr>");
    }
    h.raw("\n  </tbody>\n</table>\n</div>\n");
    h.into_string()
}

/// What a template's `{% if x %}` takes as true of an optional string.
fn nonempty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// What `{{ x }}` prints for an optional string.
fn or_empty(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::theme::TemplateSource;

    fn default_theme() -> Theme {
        let templates = DEFAULT_TEMPLATES.iter().map(|(name, text)| {
            let text = String::from_utf8(text.to_vec()).unwrap();
            let origin = std::path::PathBuf::from(name);
            (name.to_string(), TemplateSource { text, origin })
        });
        Theme {
            templates: templates.collect(),
            statics: Default::default(),
        }
    }

    /// The comparison in `tests/build.rs` only means something if the default theme takes
    /// the Rust side and a changed template does not.
    #[test]
    fn only_unchanged_default_templates_are_written_in_rust() {
        let mut theme = default_theme();
        let all = Builtin::of(&theme);
        assert!(all.case_card && all.metric_row && all.metric_table);
        for name in ["case_card.html", "metric_row.html", "metric_table.html"] {
            let mut changed = default_theme();
            changed.templates.get_mut(name).unwrap().text.push(' ');
            let flags = Builtin::of(&changed);
            let flag = |n: &str| match n {
                "case_card.html" => flags.case_card,
                "metric_row.html" => flags.metric_row,
                _ => flags.metric_table,
            };
            for other in ["case_card.html", "metric_row.html", "metric_table.html"] {
                assert_eq!(flag(other), other != name, "{name} changed: {other}");
            }
        }
        theme.templates.remove("case_card.html");
        assert!(!Builtin::of(&theme).case_card, "a theme without the file");
    }
}
