//! Units as written, understood: scale words and the kind of quantity.
//!
//! Chinese reports write magnitudes into the unit: `5.2 万户` is 52,000 households and
//! `503 亿元` is 50,300,000,000 yuan. A reader comparing cases expects `5.2 万户` to sort
//! above `48000 户`, and a total of the two to be 100,000 户. [`parse_unit`] splits such a
//! unit into its scale (`万` = 10⁴) and its base (`户`), and says what kind of quantity it
//! is, which decides what may be summed ([`Unit::is_additive`]) and feeds the direction
//! rules in [`super::direction`].

use serde::Serialize;

/// Scale words a unit may start with, longest first so `万亿` is not read as `万`.
const SCALE_WORDS: &[(&str, f64)] = &[
    ("万亿", 1e12),
    ("千万", 1e7),
    ("百万", 1e6),
    ("亿", 1e8),
    ("万", 1e4),
];

/// Units of time: a smaller figure is a faster service.
const DURATIONS: &[&str] = &[
    "工作日",
    "个工作日",
    "自然日",
    "个自然日",
    "天",
    "日",
    "小时",
    "个小时",
    "分钟",
    "秒",
    "周",
    "个月",
    "day",
    "days",
    "working day",
    "working days",
    "hour",
    "hours",
    "h",
    "min",
    "minute",
    "minutes",
];

/// Percentages and percentage points.
const PERCENTS: &[&str] = &["%", "％", "百分点", "个百分点", "percent", "pp"];

/// Counted things: cases served, firms, items, documents.
const COUNTS: &[&str] = &[
    "个", "家", "名", "件", "项", "人", "人次", "户", "户次", "家次", "条", "笔", "款", "种", "类",
    "份", "套", "张", "本", "台", "位", "所", "处", "批", "宗",
];

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    /// `%`, `个百分点`.
    Percent,
    /// `工作日`, `天`, `小时`, …
    Duration,
    /// Anything in `元`.
    Money,
    /// `次`, `趟`: visits a citizen or firm has to make.
    Trips,
    /// `家`, `个`, `人次`, `份`, …
    Count,
    /// A unit casebook does not know; shown and sorted, never interpreted.
    Other,
}

/// A unit split into scale and base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// The unit without its scale word: `户` for `万户`.
    pub base: String,
    /// What one written unit is worth in base units: 10⁴ for `万户`, 1 for `户`.
    pub scale: f64,
    pub kind: UnitKind,
    /// A rate such as `元/人` or `件/日`: never summed, not a plain duration or amount.
    pub per: bool,
}

impl Unit {
    /// Whether figures in this unit may be added up across cases: amounts and counts may,
    /// percentages, durations, rates and unknown units may not.
    pub fn is_additive(&self) -> bool {
        !self.per && matches!(self.kind, UnitKind::Money | UnitKind::Count)
    }
}

/// Splits `unit` (trimmed) into scale word and base, and classifies the base.
pub fn parse_unit(unit: &str) -> Unit {
    let unit = unit.trim();
    let (scale, base) = SCALE_WORDS
        .iter()
        .find_map(|(word, factor)| unit.strip_prefix(word).map(|rest| (*factor, rest)))
        .unwrap_or((1.0, unit));
    let per = base.contains('/') || base.starts_with('每');
    let head = base.split('/').next().unwrap_or(base).trim();
    let kind = if is_percent(base) {
        UnitKind::Percent
    } else if head.ends_with('元') || head.eq_ignore_ascii_case("yuan") {
        UnitKind::Money
    } else if DURATIONS.contains(&head.to_lowercase().as_str()) {
        UnitKind::Duration
    } else if head == "次" || head == "趟" {
        UnitKind::Trips
    } else if COUNTS.contains(&head) {
        UnitKind::Count
    } else {
        UnitKind::Other
    };
    Unit {
        base: base.to_string(),
        scale,
        kind,
        per,
    }
}

fn is_percent(unit: &str) -> bool {
    PERCENTS.contains(&unit.trim())
}

/// `value` (written in a unit with `scale`) in base units, rounded so that `5.2 万` is
/// exactly 52000 rather than 52000.000000000007.
pub fn normalise(value: f64, scale: f64) -> f64 {
    round_to(value * scale, 6)
}

/// Rounds to `places` decimals, or to fewer where the number is too large for them: the
/// scaled number must stay below 10^15 to be exact in a float (`146.58 亿` is 14658000000,
/// not the 14658000000.000002 the product gives). Numbers of 10^15 and more are left alone,
/// as are NaN and infinities; `places` below 0 counts as 0.
pub fn round_to(value: f64, places: i32) -> f64 {
    let factor = (0..=places.max(0))
        .rev()
        .map(|p| 10f64.powi(p))
        .find(|factor| (value * factor).abs() < 1e15);
    match factor {
        Some(factor) => (value * factor).round() / factor,
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_words_are_understood() {
        let u = parse_unit("万户");
        assert_eq!(
            (u.base.as_str(), u.scale, u.kind),
            ("户", 1e4, UnitKind::Count)
        );
        let u = parse_unit("亿元");
        assert_eq!(
            (u.base.as_str(), u.scale, u.kind),
            ("元", 1e8, UnitKind::Money)
        );
        let u = parse_unit("万亿元");
        assert_eq!((u.base.as_str(), u.scale), ("元", 1e12));
        let u = parse_unit("万人次");
        assert_eq!(
            (u.base.as_str(), u.scale, u.kind),
            ("人次", 1e4, UnitKind::Count)
        );
        assert_eq!(parse_unit("户").scale, 1.0);
    }

    #[test]
    fn sorting_value_of_scaled_figures() {
        assert_eq!(normalise(5.2, parse_unit("万户").scale), 52000.0);
        assert_eq!(normalise(4.98, 1e4), 49800.0);
        assert_eq!(normalise(503.0, parse_unit("亿元").scale), 50_300_000_000.0);
        assert_eq!(normalise(1.09, 1e8), 109_000_000.0);
        // Past 10^9 six decimals no longer fit: fewer are kept, not none.
        assert_eq!(normalise(146.58, 1e8), 14_658_000_000.0);
        assert_eq!(normalise(352.53, 1e8), 35_253_000_000.0);
        assert_eq!(normalise(0.123_456_789, 1e8), 12_345_678.9);
        assert_eq!(round_to(1.5e15 + 0.5, 6), 1.5e15 + 0.5);
        assert_eq!(round_to(-2.5e9 - 1e-6, 6), -2.5e9);
        assert!(normalise(5.2, 1e4) > normalise(48000.0, 1.0));
    }

    #[test]
    fn kinds() {
        assert_eq!(parse_unit("%").kind, UnitKind::Percent);
        assert_eq!(parse_unit("个百分点").kind, UnitKind::Percent);
        assert_eq!(parse_unit("工作日").kind, UnitKind::Duration);
        assert_eq!(parse_unit("个工作日").kind, UnitKind::Duration);
        assert_eq!(parse_unit("分钟").kind, UnitKind::Duration);
        assert_eq!(parse_unit("Days").kind, UnitKind::Duration);
        assert_eq!(parse_unit("趟").kind, UnitKind::Trips);
        assert_eq!(parse_unit("人次").kind, UnitKind::Count);
        assert_eq!(parse_unit("万元").kind, UnitKind::Money);
        assert_eq!(parse_unit("平方米").kind, UnitKind::Other);
    }

    #[test]
    fn rates_and_percents_are_not_additive() {
        let rate = parse_unit("元/人");
        assert_eq!((rate.kind, rate.per), (UnitKind::Money, true));
        assert!(!rate.is_additive());
        assert!(!parse_unit("%").is_additive());
        assert!(!parse_unit("工作日").is_additive());
        assert!(parse_unit("万户").is_additive());
        assert!(parse_unit("亿元").is_additive());
    }

    #[test]
    fn a_lone_scale_word_is_still_a_scale() {
        let u = parse_unit("万");
        assert_eq!((u.base.as_str(), u.scale), ("", 1e4));
    }
}
