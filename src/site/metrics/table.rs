//! The collection's metrics as one table: a row per metric of every case, with the numbers
//! made comparable (scale words applied, direction known, change computed) and the
//! summaries readers ask for: per region and department, and totals per metric name.
//!
//! Built once, in one pass over the cases (plus sorting for the summaries), so a collection
//! of 10,000 cases costs no more than ten times one of 1,000.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;
use serde::Serialize;

use super::direction::{infer_better, BetterSource};
use super::units::{normalise, parse_unit, round_to, Unit, UnitKind};
use super::{improvement, percent_change, MetricView};
use crate::content::case::{Better, Case, Metric, MetricValue};

/// One metric of one case, understood.
#[derive(Debug, Clone)]
pub struct MetricRow {
    /// Index of the case in the site's cases.
    pub case: usize,
    pub metric: Metric,
    pub unit: Unit,
    pub better: Option<Better>,
    pub better_source: Option<BetterSource>,
    /// The metric formatted for templates: made once here, shown on the case's page, its
    /// card, `print.html` and every metric table that lists the row.
    pub view: MetricView,
}

impl MetricRow {
    pub fn new(case: usize, metric: &Metric) -> Self {
        let unit = parse_unit(&metric.unit);
        let direction = infer_better(&metric.name, &unit, metric.better);
        MetricRow::with(case, metric, unit, direction)
    }

    /// [`MetricRow::new`], with the unit and direction of a name and unit seen before taken
    /// from `seen`.
    fn understood(case: usize, metric: &Metric, seen: &mut Understood) -> Self {
        let (unit, direction) = seen.of(metric);
        MetricRow::with(case, metric, unit, direction)
    }

    fn with(case: usize, metric: &Metric, unit: Unit, direction: Direction) -> Self {
        let better = direction.map(|d| d.0);
        MetricRow {
            case,
            view: MetricView::with_better(metric, better),
            metric: metric.clone(),
            unit,
            better,
            better_source: direction.map(|d| d.1),
        }
    }

    /// The figures in base units (`5.2 万户` → 52000 户).
    pub fn normalised(&self) -> MetricValue {
        let n = |v: f64| normalise(v, self.unit.scale);
        match self.metric.value {
            MetricValue::Single { value } => MetricValue::Single { value: n(value) },
            MetricValue::Change { before, after } => MetricValue::Change {
                before: n(before),
                after: n(after),
            },
        }
    }

    /// `after − before` in the written unit.
    pub fn change(&self) -> Option<f64> {
        match self.metric.value {
            MetricValue::Change { before, after } => Some(round_to(after - before, 6)),
            MetricValue::Single { .. } => None,
        }
    }

    /// Relative change in percent (signed); none for single figures or a zero base.
    pub fn change_pct(&self) -> Option<f64> {
        match self.metric.value {
            MetricValue::Change { before, after } => percent_change(before, after),
            MetricValue::Single { .. } => None,
        }
    }

    /// How much smaller `after` is than `before`, in percent of `before` (negative: it grew).
    pub fn reduction_pct(&self) -> Option<f64> {
        self.change_pct().map(|p| -p)
    }

    /// Whether the change is an improvement; none when the direction is unknown.
    pub fn improved(&self) -> Option<bool> {
        match self.metric.value {
            MetricValue::Change { before, after } => {
                self.better.and_then(|b| improvement(b, before, after))
            }
            MetricValue::Single { .. } => None,
        }
    }

    /// A before/after pair of durations: what "median reduction" is taken over.
    pub fn is_duration_change(&self) -> bool {
        self.unit.kind == UnitKind::Duration && !self.unit.per && self.change_pct().is_some()
    }
}

/// A region's or department's results at a glance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub name: String,
    pub cases: usize,
    pub metrics: usize,
    /// Before/after duration metrics.
    pub duration_changes: usize,
    /// Median relative reduction of those, in percent (positive: faster).
    pub median_reduction: Option<f64>,
}

/// The sum of one metric name across cases, where adding makes sense.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Total {
    pub name: String,
    /// Rows carrying this name.
    pub rows: usize,
    pub cases: usize,
    pub outcome: TotalOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TotalOutcome {
    /// The sum, in `unit`: the shared written unit, else the written unit with the largest
    /// scale word that fits the sum.
    Sum { value: f64, unit: String },
    /// The rows use different base units (`件` and `工作日`): never summed.
    MixedUnits { units: Vec<String> },
    /// Percentages, durations, rates, before/after pairs: a sum would mean nothing.
    NotAdditive,
}

/// Units and inferred directions by metric name and written unit. A collection repeats a
/// few names thousands of times, and inferring a direction (the name lower-cased, then
/// searched for a hundred words) took 6,000 instructions a metric: a tenth of a second at
/// 10,000 cases, now spent once per name and unit.
#[derive(Default)]
struct Understood(HashMap<String, HashMap<String, (Unit, Direction)>>);

/// A metric's direction and where it came from ([`infer_better`]).
type Direction = Option<(Better, BetterSource)>;

impl Understood {
    fn of(&mut self, metric: &Metric) -> (Unit, Direction) {
        let (name, written) = (metric.name.as_str(), metric.unit.as_str());
        let (unit, inferred) = match self.0.get(name).and_then(|units| units.get(written)) {
            Some(known) => known.clone(),
            None => {
                let unit = parse_unit(written);
                let inferred = infer_better(name, &unit, None);
                let units = self.0.entry(metric.name.clone()).or_default();
                units.insert(metric.unit.clone(), (unit.clone(), inferred));
                (unit, inferred)
            }
        };
        // A direction written in the front matter wins over the inferred one.
        let direction = match metric.better {
            Some(better) => infer_better(&metric.name, &unit, Some(better)),
            None => inferred,
        };
        (unit, direction)
    }
}

/// Every metric of the collection, and what is computed from all of them.
#[derive(Debug, Clone, Default)]
pub struct MetricTable {
    /// In case order, then in the order the case lists them.
    pub rows: Vec<MetricRow>,
    /// For each case (by index), its rows.
    pub case_rows: Vec<Range<usize>>,
    /// Sorted by name.
    pub regions: Vec<GroupSummary>,
    pub departments: Vec<GroupSummary>,
    /// Metric names used by more than one row, sorted by name.
    pub totals: Vec<Total>,
}

impl MetricTable {
    pub fn new(cases: &[Case]) -> Self {
        // In parallel: understanding and formatting 20,000 metrics takes tens of ms.
        let by_case: Vec<Vec<MetricRow>> = cases
            .par_iter()
            .enumerate()
            .map_init(Understood::default, |seen, (i, case)| {
                let row = |m: &Metric| MetricRow::understood(i, m, seen);
                case.metrics.iter().map(row).collect()
            })
            .collect();
        let mut rows = Vec::with_capacity(by_case.iter().map(Vec::len).sum());
        let mut case_rows = Vec::with_capacity(cases.len());
        for case in by_case {
            let start = rows.len();
            rows.extend(case);
            case_rows.push(start..rows.len());
        }
        let mut table = MetricTable {
            rows,
            case_rows,
            regions: Vec::new(),
            departments: Vec::new(),
            totals: Vec::new(),
        };
        table.summarise(cases);
        table
    }

    /// Takes case `i`'s metrics again after an edit that kept their number (watch mode): its
    /// changed rows are understood again and, if any changed, the summaries redone; the
    /// other rows stay as they are.
    /// Returns `false`, changing nothing, when the number of metrics changed.
    pub fn replace_case(&mut self, cases: &[Case], i: usize) -> bool {
        let Some(range) = self.case_rows.get(i).cloned() else {
            return false;
        };
        if range.len() != cases[i].metrics.len() {
            return false;
        }
        let mut changed = false;
        for (row, metric) in self.rows[range].iter_mut().zip(&cases[i].metrics) {
            if row.metric != *metric {
                *row = MetricRow::new(i, metric);
                changed = true;
            }
        }
        // A row is made from its metric alone, and the summaries from the rows and each
        // case's region and department (the same, as the caller's shape check ensures):
        // when no metric changed (a new title, say), nothing is summed again (10,000 cases'
        // rows took 12 ms of a watch-mode save).
        if changed {
            self.summarise(cases);
        }
        true
    }

    fn summarise(&mut self, cases: &[Case]) {
        self.regions = summarise(cases, &self.rows, |c| &c.region);
        self.departments = summarise(cases, &self.rows, |c| &c.department);
        self.totals = totals(&self.rows);
    }

    /// Row `r`'s case and its place among that case's rows: what watch mode knows a row by.
    pub fn place(&self, r: usize) -> (usize, usize) {
        let case = self.rows[r].case;
        (case, r - self.case_rows[case].start)
    }

    pub fn rows_of(&self, case: usize) -> &[MetricRow] {
        self.case_rows
            .get(case)
            .map_or(&[][..], |range| &self.rows[range.clone()])
    }
}

fn summarise(
    cases: &[Case],
    rows: &[MetricRow],
    key: impl Fn(&Case) -> &String,
) -> Vec<GroupSummary> {
    #[derive(Default)]
    struct Acc {
        cases: usize,
        metrics: usize,
        reductions: Vec<f64>,
    }
    // Each case's group found once by name; rows then go by their case's group. (Looking
    // every row's group up by name was most of a watch-mode save's model step.)
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<(&str, Acc)> = Vec::new();
    let group_of: Vec<usize> = cases
        .iter()
        .map(|case| {
            let name = key(case).as_str();
            let g = *index.entry(name).or_insert_with(|| {
                groups.push((name, Acc::default()));
                groups.len() - 1
            });
            groups[g].1.cases += 1;
            g
        })
        .collect();
    for row in rows {
        let acc = &mut groups[group_of[row.case]].1;
        acc.metrics += 1;
        if row.is_duration_change() {
            acc.reductions.extend(row.reduction_pct());
        }
    }
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    groups
        .into_iter()
        .map(|(name, mut acc)| GroupSummary {
            name: name.to_string(),
            cases: acc.cases,
            metrics: acc.metrics,
            duration_changes: acc.reductions.len(),
            median_reduction: median(&mut acc.reductions),
        })
        .collect()
}

/// The median, sorting `values` in place; the mean of the middle two for an even count.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

fn totals(rows: &[MetricRow]) -> Vec<Total> {
    let mut by_name: HashMap<&str, Vec<&MetricRow>> = HashMap::new();
    for row in rows {
        by_name.entry(&row.metric.name).or_default().push(row);
    }
    let mut by_name: Vec<(&str, Vec<&MetricRow>)> = by_name.into_iter().collect();
    by_name.sort_unstable_by(|a, b| a.0.cmp(b.0));
    by_name
        .into_iter()
        .filter(|(_, group)| group.len() > 1)
        .map(|(name, group)| {
            let mut cases: Vec<usize> = group.iter().map(|r| r.case).collect();
            cases.dedup();
            Total {
                name: name.to_string(),
                rows: group.len(),
                cases: cases.len(),
                outcome: total_of(&group),
            }
        })
        .collect()
}

/// Sums a group sharing one metric name, or says why it must not.
fn total_of(group: &[&MetricRow]) -> TotalOutcome {
    let first_base = &group[0].unit.base;
    if group.iter().any(|r| &r.unit.base != first_base) {
        let mut units: Vec<String> = group.iter().map(|r| r.metric.unit.clone()).collect();
        units.sort();
        units.dedup();
        return TotalOutcome::MixedUnits { units };
    }
    let singles: Option<Vec<f64>> = group
        .iter()
        .map(|r| match (r.unit.is_additive(), r.normalised()) {
            (true, MetricValue::Single { value }) => Some(value),
            _ => None,
        })
        .collect();
    let Some(values) = singles else {
        return TotalOutcome::NotAdditive;
    };
    let sum = round_to(values.iter().sum(), 6);
    let first = &group[0];
    let shown = if group.iter().all(|r| r.metric.unit == first.metric.unit) {
        first
    } else {
        display_unit(group, sum)
    };
    TotalOutcome::Sum {
        value: round_to(sum / shown.unit.scale, 6),
        unit: shown.metric.unit.clone(),
    }
}

/// The row whose written unit suits `sum` best: the largest scale word not above it, so that
/// 503 亿元 + 2000 万元 reads `503.2 亿元` and 5.2 万户 + 48000 户 reads `10 万户`.
fn display_unit<'a>(group: &[&'a MetricRow], sum: f64) -> &'a MetricRow {
    let smallest = group
        .iter()
        .min_by(|a, b| a.unit.scale.total_cmp(&b.unit.scale))
        .expect("a total is taken over a non-empty group");
    group
        .iter()
        .filter(|r| r.unit.scale <= sum.abs())
        .max_by(|a, b| a.unit.scale.total_cmp(&b.unit.scale))
        .unwrap_or(smallest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, unit: &str, value: MetricValue) -> Metric {
        Metric {
            name: name.into(),
            unit: unit.into(),
            value,
            better: None,
            note: None,
        }
    }

    fn single(name: &str, unit: &str, value: f64) -> Metric {
        metric(name, unit, MetricValue::Single { value })
    }

    fn change(name: &str, unit: &str, before: f64, after: f64) -> Metric {
        metric(name, unit, MetricValue::Change { before, after })
    }

    fn case(region: &str, department: &str, metrics: Vec<Metric>) -> Case {
        let front = format!("id: 1\ntitle: T\nregion: {region}\ndepartment: {department}\n");
        let fm = crate::content::front_matter::parse(&front, 2).unwrap();
        let (mut c, _) =
            crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
        c.metrics = metrics;
        c
    }

    #[test]
    fn a_name_and_unit_seen_before_are_understood_as_the_first_time() {
        // One memo across a run of metrics, as one thread's cases share it: the same name and
        // unit with and without a written direction, in both orders, and another unit.
        let mut higher = change("办理时间", "天", 10.0, 12.0);
        higher.better = Some(Better::Higher);
        let run = [
            change("办理时间", "天", 20.0, 5.0),
            higher.clone(),
            change("办理时间", "天", 9.0, 3.0),
            change("办理时间", "万元", 3.0, 2.0),
            higher,
        ];
        let mut seen = Understood::default();
        let facts = |r: &MetricRow| (r.unit.clone(), r.better, r.better_source, r.view.improved);
        for (i, metric) in run.iter().enumerate() {
            let memo = MetricRow::understood(0, metric, &mut seen);
            assert_eq!(
                facts(&memo),
                facts(&MetricRow::new(0, metric)),
                "metric {i}"
            );
        }
        let written = MetricRow::understood(0, &run[4], &mut seen);
        assert_eq!(written.better_source, Some(BetterSource::FrontMatter));
        let inferred = MetricRow::understood(0, &run[2], &mut seen);
        assert_eq!(inferred.better, Some(Better::Lower));
    }

    #[test]
    fn a_replaced_case_leaves_the_table_as_a_new_one_would_be() {
        let mut cases = vec![
            case("福州市", "A", vec![change("办理时间", "天", 20.0, 5.0)]),
            case("福州市", "B", vec![change("办理时间", "天", 10.0, 8.0)]),
            case("厦门市", "A", vec![single("服务企业", "家", 3.0)]),
        ];
        let mut table = MetricTable::new(&cases);
        let same = |table: &MetricTable, cases: &[Case]| {
            let new = MetricTable::new(cases);
            assert_eq!(table.regions, new.regions);
            assert_eq!(table.departments, new.departments);
            assert_eq!(table.totals, new.totals);
            let values = |t: &MetricTable| -> Vec<_> {
                t.rows.iter().map(|r| (r.case, r.metric.clone())).collect()
            };
            assert_eq!(values(table), values(&new));
        };
        // The same metrics (a title edit): nothing to do, nothing changes.
        assert!(table.replace_case(&cases, 1));
        same(&table, &cases);
        // A new value moves the median reduction and the total.
        cases[1].metrics[0] = change("办理时间", "天", 10.0, 1.0);
        assert!(table.replace_case(&cases, 1));
        same(&table, &cases);
        assert_eq!(table.regions[1].median_reduction, Some(82.5));
        // Another number of metrics is refused.
        cases[2].metrics.push(single("服务企业", "家", 4.0));
        assert!(!table.replace_case(&cases, 2));
    }

    #[test]
    fn rows_follow_cases_and_know_their_case() {
        let cases = [
            case(
                "福州市",
                "A",
                vec![single("x", "家", 1.0), single("y", "家", 2.0)],
            ),
            case("厦门市", "A", vec![]),
            case("福州市", "B", vec![single("z", "家", 3.0)]),
        ];
        let table = MetricTable::new(&cases);
        assert_eq!(table.rows.len(), 3);
        assert_eq!(table.case_rows, [0..2, 2..2, 2..3]);
        assert_eq!(table.rows_of(2)[0].metric.name, "z");
        assert!(table.rows_of(1).is_empty());
    }

    #[test]
    fn percent_change_and_improvement_follow_inferred_direction() {
        let row = MetricRow::new(0, &change("办理时长", "工作日", 20.0, 4.5));
        assert_eq!(row.change(), Some(-15.5));
        assert_eq!(row.change_pct(), Some(-77.5));
        assert_eq!(row.reduction_pct(), Some(77.5));
        assert_eq!(row.better, Some(Better::Lower));
        assert_eq!(row.improved(), Some(true));
        let row = MetricRow::new(0, &change("试点数", "个", 2.0, 4.0));
        assert_eq!((row.better, row.improved()), (None, None));
        assert_eq!(row.change_pct(), Some(100.0));
    }

    #[test]
    fn scaled_rows_normalise() {
        let row = MetricRow::new(0, &single("退税纳税人", "万户", 5.2));
        assert_eq!(row.normalised(), MetricValue::Single { value: 52000.0 });
    }

    #[test]
    fn summaries_count_and_take_the_median_of_duration_cuts() {
        let cases = [
            case(
                "福州市",
                "A",
                vec![
                    change("时长", "工作日", 20.0, 5.0),
                    change("材料", "份", 10.0, 2.0),
                ],
            ),
            case("福州市", "B", vec![change("时长", "天", 10.0, 9.0)]),
            case("福州市", "B", vec![change("时长", "小时", 10.0, 5.0)]),
            case("厦门市", "B", vec![single("x", "家", 1.0)]),
        ];
        let table = MetricTable::new(&cases);
        let fuzhou = &table.regions[1];
        assert_eq!(fuzhou.name, "福州市");
        assert_eq!((fuzhou.cases, fuzhou.metrics), (3, 4));
        assert_eq!(fuzhou.duration_changes, 3, "份 is not a duration");
        assert_eq!(fuzhou.median_reduction, Some(50.0), "of 75, 10, 50");
        assert_eq!(table.regions[0].median_reduction, None);
        let b = &table.departments[1];
        assert_eq!((b.name.as_str(), b.cases), ("B", 3));
        assert_eq!(
            b.median_reduction,
            Some(30.0),
            "mean of the middle two: 10 and 50"
        );
    }

    #[test]
    fn totals_apply_scale_words_and_refuse_mixed_units() {
        let cases = [
            case(
                "R",
                "D",
                vec![
                    single("退税纳税人", "万户", 5.2),
                    single("受理", "件", 10.0),
                    single("好评率", "%", 99.0),
                ],
            ),
            case(
                "R",
                "D",
                vec![
                    single("退税纳税人", "户", 48000.0),
                    single("受理", "工作日", 3.0),
                    single("好评率", "%", 97.0),
                ],
            ),
            case("R", "D", vec![single("退税金额", "亿元", 1.5)]),
            case("R", "D", vec![single("退税金额", "亿元", 2.25)]),
            case("R", "D", vec![single("留抵退税款", "万元", 2000.0)]),
            case("R", "D", vec![single("留抵退税款", "亿元", 503.0)]),
        ];
        let totals = MetricTable::new(&cases).totals;
        let by_name: std::collections::BTreeMap<&str, &TotalOutcome> = totals
            .iter()
            .map(|t| (t.name.as_str(), &t.outcome))
            .collect();
        assert_eq!(
            by_name["退税纳税人"],
            &TotalOutcome::Sum {
                value: 10.0,
                unit: "万户".into()
            }
        );
        assert_eq!(
            by_name["退税金额"],
            &TotalOutcome::Sum {
                value: 3.75,
                unit: "亿元".into()
            }
        );
        assert_eq!(
            by_name["留抵退税款"],
            &TotalOutcome::Sum {
                value: 503.2,
                unit: "亿元".into()
            },
            "the largest scale word that fits"
        );
        assert_eq!(
            by_name["受理"],
            &TotalOutcome::MixedUnits {
                units: vec!["件".into(), "工作日".into()]
            }
        );
        assert_eq!(by_name["好评率"], &TotalOutcome::NotAdditive);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
