//! Bar charts as inline SVG, drawn at build time.
//!
//! A chart is a picture of numbers the page already states in a table, so it needs no
//! JavaScript, prints like text and costs nothing to load. Each function is pure: figures
//! in, an SVG string out. Every text is escaped; colours come from CSS classes
//! (`chart-bar`, `improved`, `worsened`) so dark mode and print styles apply; a `viewBox`
//! lets the chart shrink on a phone; `role="img"` (`group` when its bars are links) with a
//! `<title>` and `<desc>` gives screen readers the same figures in words.

use crate::decimal::Fixed;
use std::fmt::Write;

use super::escape_html;
use crate::site::metrics::{format_number, format_signed_1};

/// One metric's before/after pair for [`before_after`].
#[derive(Debug, Clone)]
pub struct Pair<'a> {
    pub name: &'a str,
    pub unit: &'a str,
    pub before: f64,
    pub after: f64,
    pub improved: Option<bool>,
}

/// One bar of [`reductions`]: a relative reduction in percent (negative: an increase). The
/// bar grows right for a reduction; its label shows the change as the tables do (`−75%`).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// Link target, relative to the page the chart is on.
    pub href: String,
    pub percent: f64,
    pub improved: Option<bool>,
}

/// Texts a chart shows that are not data.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    pub title: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

const PAIR_WIDTH: f64 = 400.0;
const PAIR_LABEL: f64 = 64.0;
const PAIR_VALUE: f64 = 96.0;
const PAIR_BLOCK: f64 = 74.0;

/// Before and after bars of each pair, each pair on its own scale (units differ); `None`
/// when there is nothing to draw.
pub fn before_after(id: &str, pairs: &[Pair], labels: Labels) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let height = PAIR_BLOCK * pairs.len() as f64 + 4.0;
    let desc: Vec<String> = pairs
        .iter()
        .map(|p| {
            format!(
                "{}: {} {} → {} {}",
                p.name,
                format_number(p.before),
                p.unit,
                format_number(p.after),
                p.unit
            )
        })
        .collect();
    let mut svg = open_svg(
        id,
        "chart-before-after",
        PAIR_WIDTH,
        height,
        labels.title,
        "img",
    );
    let _ = write!(
        svg,
        "<desc id=\"{id}-desc\">{}</desc>",
        escape_html(&desc.join("; "))
    );
    let plot = PAIR_WIDTH - PAIR_LABEL - PAIR_VALUE;
    for (i, p) in pairs.iter().enumerate() {
        let top = i as f64 * PAIR_BLOCK;
        let max = p.before.abs().max(p.after.abs());
        let width = |v: f64| {
            if max > 0.0 {
                v.max(0.0) / max * plot
            } else {
                0.0
            }
        };
        let _ = write!(
            svg,
            "<text class=\"chart-label\" x=\"0\" y=\"{}\" font-size=\"14\">{}</text>",
            Fixed(top + 16.0, 1),
            escape_html(&fit(p.name, PAIR_WIDTH, 14.0))
        );
        let verdict = verdict_class(p.improved);
        for (j, (label, value, class)) in [
            (labels.before, p.before, "before".to_string()),
            (labels.after, p.after, format!("after {verdict}")),
        ]
        .into_iter()
        .enumerate()
        {
            let y = top + 24.0 + j as f64 * 22.0;
            let w = width(value);
            let _ = write!(
                svg,
                "<text class=\"chart-axis-label\" x=\"0\" y=\"{}\" font-size=\"12\">{}</text>\
                 <rect class=\"chart-bar {class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\"/>\
                 <text class=\"chart-value\" x=\"{}\" y=\"{}\" font-size=\"12\">{} {}</text>",
                Fixed(y + 12.5, 1),
                escape_html(&fit(label, PAIR_LABEL - 4.0, 12.0)),
                Fixed(PAIR_LABEL, 1),
                Fixed(y, 1),
                Fixed(w, 1),
                Fixed(PAIR_LABEL + w + 4.0, 1),
                Fixed(y + 12.5, 1),
                escape_html(&format_number(value)),
                escape_html(p.unit),
            );
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

const BAR_WIDTH: f64 = 480.0;
const BAR_MARGIN: f64 = 56.0;
const BAR_ROW: f64 = 40.0;

/// Horizontal bars from a zero line, one per item, in the order given, each a link.
pub fn reductions(id: &str, bars: &[Bar], title: &str, desc: &str) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let low = bars.iter().map(|b| b.percent).fold(0.0, f64::min);
    let high = bars.iter().map(|b| b.percent).fold(0.0, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let plot = BAR_WIDTH - 2.0 * BAR_MARGIN;
    let x = |v: f64| BAR_MARGIN + (v - low) / span * plot;
    let zero = x(0.0);
    let height = BAR_ROW * bars.len() as f64 + 4.0;
    // Its bars are links, and an `img` cannot hold interactive content: a named group.
    let mut svg = open_svg(id, "chart-reductions", BAR_WIDTH, height, title, "group");
    let _ = write!(svg, "<desc id=\"{id}-desc\">{}</desc>", escape_html(desc));
    for (i, bar) in bars.iter().enumerate() {
        let top = i as f64 * BAR_ROW;
        let end = x(bar.percent);
        let (left, right) = (zero.min(end), zero.max(end));
        let (value_x, anchor) = if bar.percent < 0.0 {
            (left - 4.0, "end")
        } else {
            (right + 4.0, "start")
        };
        let _ = write!(
            svg,
            "<a href=\"{}\"><title>{}: {}%</title>\
             <text class=\"chart-label\" x=\"0\" y=\"{}\" font-size=\"13\">{}</text>\
             <rect class=\"chart-bar {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"14\"/>\
             <text class=\"chart-value\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"{anchor}\">{}%</text></a>",
            escape_html(&bar.href),
            escape_html(&bar.label),
            format_signed_1(-bar.percent),
            Fixed(top + 14.0, 1),
            escape_html(&fit(&bar.label, BAR_WIDTH, 13.0)),
            verdict_class(bar.improved),
            Fixed(left, 1),
            Fixed(top + 20.0, 1),
            Fixed(right - left, 1),
            Fixed(value_x, 1),
            Fixed(top + 31.5, 1),
            format_signed_1(-bar.percent),
        );
    }
    let _ = write!(
        svg,
        "<line class=\"chart-zero\" x1=\"{zero}\" y1=\"0\" x2=\"{zero}\" y2=\"{height}\"/></svg>",
        zero = Fixed(zero, 1),
        height = Fixed(height, 1),
    );
    Some(svg)
}

/// `role` is `img`, or `group` when the chart holds links (an `img` has no interactive parts).
fn open_svg(id: &str, class: &str, width: f64, height: f64, title: &str, role: &str) -> String {
    let id = escape_html(id);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {class}\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"{role}\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title>",
        escape_html(title),
        width = Fixed(width, 0),
        height = Fixed(height, 0),
    )
}

fn verdict_class(improved: Option<bool>) -> &'static str {
    match improved {
        Some(true) => "improved",
        Some(false) => "worsened",
        None => "neutral",
    }
}

/// `text` cut to fit `width` at `font_size` (CJK a full em, other characters about half),
/// with `…` where it was cut; the full text stays in the chart's description or tooltip.
fn fit(text: &str, width: f64, font_size: f64) -> String {
    let em = |c: char| if c.is_ascii() { 0.55 } else { 1.0 };
    let total: f64 = text.chars().map(em).sum();
    if total * font_size <= width {
        return text.to_string();
    }
    let mut used = font_size;
    let mut out = String::new();
    for c in text.chars() {
        used += em(c) * font_size;
        if used > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: Labels = Labels {
        title: "指标 <图>",
        before: "改革前",
        after: "改革后",
    };

    fn pair(name: &str, before: f64, after: f64) -> Pair<'_> {
        Pair {
            name,
            unit: "工作日",
            before,
            after,
            improved: Some(after < before),
        }
    }

    fn widths(svg: &str) -> Vec<f64> {
        svg.split("width=\"")
            .skip(2)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn bars_scale_per_pair_and_text_is_escaped() {
        let svg = before_after("c", &[pair("时长 & <x>", 20.0, 5.0)], LABELS).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("role=\"img\" aria-labelledby=\"c-title c-desc\""));
        assert!(svg.contains("<title id=\"c-title\">指标 &lt;图&gt;</title>"));
        assert!(svg.contains("时长 &amp; &lt;x&gt;"));
        assert!(!svg.contains("<x>"));
        assert_eq!(widths(&svg), [240.0, 60.0], "after is a quarter of before");
        assert!(svg.contains("class=\"chart-bar after improved\""));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn nothing_to_draw_is_no_chart() {
        assert_eq!(before_after("c", &[], LABELS), None);
        assert_eq!(reductions("r", &[], "t", "d"), None);
    }

    #[test]
    fn reductions_draw_from_a_zero_line_and_link() {
        let bars = [
            Bar {
                label: "A · 时长".into(),
                href: "cases/a.html".into(),
                percent: 75.0,
                improved: Some(true),
            },
            Bar {
                label: "B · 费用".into(),
                href: "cases/b.html".into(),
                percent: -25.0,
                improved: Some(false),
            },
        ];
        let svg = reductions("r", &bars, "t", "d").unwrap();
        assert_eq!(svg.matches("<a href=\"cases/").count(), 2);
        // span 100 over 368 units from 56: zero at 56 + 25% × 368 = 148.
        assert!(svg.contains("x1=\"148.0\""), "{svg}");
        assert!(svg.contains("x=\"148.0\" y=\"20.0\" width=\"276.0\""));
        assert!(svg.contains("x=\"56.0\" y=\"60.0\" width=\"92.0\""));
        assert!(svg.contains(">−75%</text>") && svg.contains(">+25%</text>"));
        assert!(svg.contains("chart-bar worsened"));
    }

    #[test]
    fn long_labels_are_cut_to_fit() {
        let long = "很".repeat(60);
        let cut = fit(&long, 400.0, 14.0);
        assert!(cut.ends_with('…'));
        assert!(cut.chars().count() <= 29);
        assert_eq!(fit("short", 400.0, 14.0), "short");
    }
}
