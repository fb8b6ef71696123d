//! Metric figures as readers see them, and the collection's metrics as one comparable table.
//!
//! [`MetricView`] is one metric formatted for a template (numbers as a person writes them,
//! the change, whether it is an improvement). The submodules make metrics comparable across
//! cases: [`units`] understands scale words (`万户`, `亿元`), [`direction`] decides which way
//! a metric improves, [`table`] builds the row-per-metric table with its summaries.

pub mod direction;
pub mod table;
pub mod units;

use crate::decimal::Fixed;
use serde::Serialize;

use crate::content::case::{Better, Metric, MetricValue};
pub use table::{MetricRow, MetricTable};

/// One metric ready for a template.
#[derive(Debug, Clone, Serialize)]
pub struct MetricView {
    pub name: String,
    pub unit: String,
    pub value: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// `after − before`, signed.
    pub change: Option<String>,
    /// Relative change in percent, signed, one decimal (absent when `before` is 0).
    pub change_pct: Option<String>,
    /// Which way the metric improves: as written, else inferred ([`direction`]).
    pub better: Option<Better>,
    /// Whether the change is an improvement, when the direction is known.
    pub improved: Option<bool>,
    /// `"up"` or `"down"` for a change, so templates can draw an arrow that is not colour.
    pub trend: Option<&'static str>,
    pub note: Option<String>,
}

impl MetricView {
    /// The view of `metric`, which improves as `better` says. A build makes each metric's
    /// view once, in [`MetricRow::new`], with the direction the row inferred.
    pub fn with_better(metric: &Metric, better: Option<Better>) -> Self {
        let mut view = MetricView {
            name: metric.name.clone(),
            unit: metric.unit.clone(),
            value: None,
            before: None,
            after: None,
            change: None,
            change_pct: None,
            better,
            improved: None,
            trend: None,
            note: metric.note.clone(),
        };
        match metric.value {
            MetricValue::Single { value } => view.value = Some(format_number(value)),
            MetricValue::Change { before, after } => {
                view.before = Some(format_number(before));
                view.after = Some(format_number(after));
                view.change = Some(format_signed(after - before));
                view.change_pct =
                    percent_change(before, after).map(|p| format!("{}%", format_signed_1(p)));
                view.improved = better.and_then(|b| improvement(b, before, after));
                view.trend = match after.total_cmp(&before) {
                    std::cmp::Ordering::Greater => Some("up"),
                    std::cmp::Ordering::Less => Some("down"),
                    std::cmp::Ordering::Equal => None,
                };
            }
        }
        view
    }
}

/// Relative change in percent; none when the base is zero.
pub fn percent_change(before: f64, after: f64) -> Option<f64> {
    (before != 0.0).then(|| (after - before) / before.abs() * 100.0)
}

pub(crate) fn improvement(better: Better, before: f64, after: f64) -> Option<bool> {
    if before == after {
        return None;
    }
    Some(match better {
        Better::Lower => after < before,
        Better::Higher => after > before,
    })
}

/// A number as written by a person: no trailing zeros, at most four decimals.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        return Fixed(n, 0).to_string();
    }
    let text = Fixed(n, 4).to_string();
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A signed number as [`format_number`] writes it, `−` (U+2212) for minus.
pub fn format_signed(n: f64) -> String {
    if n > 0.0 {
        format!("+{}", format_number(n))
    } else if n < 0.0 {
        format!("−{}", format_number(-n))
    } else {
        "0".to_string()
    }
}

/// A signed number with one decimal, `−` (U+2212) for minus: `+12.5`, `−77.5`, `0`.
pub fn format_signed_1(n: f64) -> String {
    let rounded = (n * 10.0).round() / 10.0;
    if rounded == 0.0 {
        return "0".to_string();
    }
    let text = Fixed(rounded.abs(), 1).to_string();
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if rounded > 0.0 {
        format!("+{text}")
    } else {
        format!("−{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(before: f64, after: f64, better: Option<Better>) -> MetricView {
        let metric = Metric {
            name: "办理时长".into(),
            unit: "工作日".into(),
            value: MetricValue::Change { before, after },
            better,
            note: None,
        };
        MetricRow::new(0, &metric).view
    }

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(20.0), "20");
        assert_eq!(format_number(4.5), "4.5");
        assert_eq!(format_number(1.09), "1.09");
        assert_eq!(format_number(0.333333), "0.3333");
        assert_eq!(format_number(-3.0), "-3");
    }

    #[test]
    fn change_and_percent() {
        let v = change(20.0, 4.5, Some(Better::Lower));
        assert_eq!(v.change.as_deref(), Some("−15.5"));
        assert_eq!(v.change_pct.as_deref(), Some("−77.5%"));
        assert_eq!(v.improved, Some(true));
        assert_eq!(v.trend, Some("down"));
        let v = change(0.0, 3.0, None);
        assert_eq!(v.change_pct, None);
        assert_eq!(
            v.improved,
            Some(false),
            "工作日 is inferred lower-is-better"
        );
        assert_eq!(v.trend, Some("up"));
        assert_eq!(change(3.0, 6.0, Some(Better::Lower)).improved, Some(false));
    }
}
