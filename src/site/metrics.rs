//! Metric figures as readers see them: formatted numbers and the change computed at build time.

use serde::Serialize;

use crate::content::case::{Better, Metric, MetricValue};

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
    pub better: Option<Better>,
    /// Whether the change is an improvement, when the direction is known.
    pub improved: Option<bool>,
    pub note: Option<String>,
}

impl MetricView {
    pub fn new(metric: &Metric) -> Self {
        let mut view = MetricView {
            name: metric.name.clone(),
            unit: metric.unit.clone(),
            value: None,
            before: None,
            after: None,
            change: None,
            change_pct: None,
            better: metric.better,
            improved: None,
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
                view.improved = metric.better.and_then(|b| improvement(b, before, after));
            }
        }
        view
    }
}

/// Relative change in percent; none when the base is zero.
pub fn percent_change(before: f64, after: f64) -> Option<f64> {
    (before != 0.0).then(|| (after - before) / before.abs() * 100.0)
}

fn improvement(better: Better, before: f64, after: f64) -> Option<bool> {
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
        return format!("{n:.0}");
    }
    let text = format!("{n:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn format_signed(n: f64) -> String {
    if n > 0.0 {
        format!("+{}", format_number(n))
    } else if n < 0.0 {
        format!("−{}", format_number(-n))
    } else {
        "0".to_string()
    }
}

fn format_signed_1(n: f64) -> String {
    let rounded = (n * 10.0).round() / 10.0;
    if rounded == 0.0 {
        return "0".to_string();
    }
    let text = format!("{:.1}", rounded.abs());
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
        MetricView::new(&Metric {
            name: "n".into(),
            unit: "工作日".into(),
            value: MetricValue::Change { before, after },
            better,
            note: None,
        })
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
        let v = change(0.0, 3.0, None);
        assert_eq!(v.change_pct, None);
        assert_eq!(v.improved, None);
        assert_eq!(change(3.0, 6.0, Some(Better::Lower)).improved, Some(false));
    }
}
