//! The metrics page (`metrics.html`) and the metric tables of case and term pages.
//!
//! One static table holds every metric row of the collection, readable and printable
//! without JavaScript; `static/metrics.js` adds sorting and filtering on top. Numbers are
//! sorted by their normalised values (scale words applied), which the table carries in
//! `data-v` attributes. Row views are built once per build and shared by the metrics page
//! and every term page, so the cost stays linear in the number of rows.

use std::collections::BTreeMap;

use serde::Serialize;

use super::chart::{self, Bar, Labels, Pair};
use super::context::{term_url, CaseSummary, Common, Summaries};
use super::exports;
use super::fragments::{fill_root, ROWS_MARK};
use super::i18n::fill;
use super::{Emitter, Renderer};
use crate::content::case::{Case, CaseId, MetricValue};
use crate::diagnostic::Diagnostic;
use crate::site::metrics::table::{GroupSummary, TotalOutcome};
use crate::site::metrics::units::normalise;
use crate::site::metrics::{format_number, format_signed_1, MetricRow, MetricView};
use crate::site::taxonomy::TaxonomyKind;
use crate::site::Site;

pub const METRICS_URL: &str = "metrics.html";

/// Most bars the reductions chart draws; the table below it has every row.
const CHART_LIMIT: usize = 60;

/// One row of a metric table that lists several cases.
#[derive(Debug, Serialize)]
pub struct MetricRowView<'a> {
    pub case_id: &'a CaseId,
    pub case_title: &'a str,
    pub case_url: &'a str,
    pub region: &'a str,
    pub department: &'a str,
    pub tags: &'a [String],
    pub metric: &'a MetricView,
    pub sort: SortKeys,
}

/// Normalised numbers for sorting, as plain decimals (`5.2 万户` → `52000`); empty when absent.
#[derive(Debug, Serialize)]
pub struct SortKeys {
    pub value: String,
    pub before: String,
    pub after: String,
    pub change: String,
    pub pct: String,
}

impl<'a> MetricRowView<'a> {
    pub fn new(summary: &'a CaseSummary<'a>, row: &'a MetricRow, tags: &'a [String]) -> Self {
        let key = |n: Option<f64>| n.map(|v| v.to_string()).unwrap_or_default();
        let (value, before, after) = match row.normalised() {
            MetricValue::Single { value } => (Some(value), None, None),
            MetricValue::Change { before, after } => (None, Some(before), Some(after)),
        };
        MetricRowView {
            case_id: summary.id,
            case_title: summary.title,
            case_url: summary.url,
            region: summary.region.name,
            department: summary.department.name,
            tags,
            metric: &row.view,
            sort: SortKeys {
                value: key(value),
                before: key(before),
                after: key(after),
                change: key(row.change().map(|c| normalise(c, row.unit.scale))),
                pct: key(row.change_pct()),
            },
        }
    }
}

/// A choice in a filter menu: a term and how many rows carry it.
#[derive(Debug, Serialize)]
pub struct FilterOption<'a> {
    pub name: &'a str,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct GroupView {
    pub name: String,
    pub url: Option<String>,
    pub cases: usize,
    pub metrics: usize,
    pub duration_changes: usize,
    /// Formatted, e.g. `77.5%`.
    pub median_reduction: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TotalView<'a> {
    pub name: &'a str,
    pub rows: usize,
    pub cases: usize,
    /// The sum with its unit, when the rows may be added.
    pub total: Option<String>,
    /// Why there is no sum.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Download {
    pub name: &'static str,
    pub url: &'static str,
}

#[derive(Serialize)]
pub struct MetricsPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub intro: String,
    pub downloads: Vec<Download>,
    pub chart: Option<String>,
    pub chart_note: Option<String>,
    pub regions: Vec<GroupView>,
    pub departments: Vec<GroupView>,
    pub totals: Vec<TotalView<'a>>,
    pub row_count: usize,
    /// Stands for every row (`metric_row.html` with `full`), in table order: the rows are
    /// written in its place after rendering, not converted into the template context.
    pub rows_html: tera::Value,
    pub case_count: usize,
    pub filter_regions: Vec<FilterOption<'a>>,
    pub filter_departments: Vec<FilterOption<'a>>,
    pub filter_tags: Vec<FilterOption<'a>>,
    /// Status line for the script, with `{shown}`, `{total}` and `{cases}` left to fill.
    pub status_template: String,
}

/// Row `i` of the collection's metric table as a view, made when its `metric_row.html`
/// fragment is rendered (watch mode reuses most fragments, so most views are never made).
pub fn row_view<'a>(site: &'a Site, summaries: &'a Summaries<'a>, i: usize) -> MetricRowView<'a> {
    let row = &site.metrics.rows[i];
    let case = &site.content.cases[row.case];
    MetricRowView::new(summaries.get(row.case), row, &case.tags)
}

impl Renderer<'_> {
    /// `metrics.html`, written with its rows spliced in where the template put them.
    pub(super) fn metrics_page(&self, out: &Emitter) {
        let count = self.site.metrics.rows.len();
        let sep = "\n    ";
        let io = |e: std::io::Error| Diagnostic::error(METRICS_URL, e.to_string());
        out.emit_spliced(
            METRICS_URL,
            self.metrics_page_shell(),
            ROWS_MARK,
            &mut |w| match self.reuse {
                None => self.full_rows.write_to(w, 0..count, "", sep).map_err(io),
                Some(reuse) => {
                    let (key, render) = self.full_row;
                    let failed = std::sync::Mutex::new(None);
                    let first_key = |i: usize| crate::hash::hash_of(&(key(i), i == 0));
                    let make = |i: usize| {
                        let html = render(i).map_err(|d| {
                            *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(d);
                            std::io::Error::other("a metric row could not be rendered")
                        })?;
                        let mut bytes = if i == 0 { Vec::new() } else { sep.into() };
                        bytes.extend_from_slice(fill_root(html.trim(), "").as_bytes());
                        Ok(bytes)
                    };
                    let written =
                        reuse
                            .memo
                            .write_list("metrics.html rows", count, &first_key, &make, w);
                    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
                        Some(d) => Err(d),
                        None => written.map_err(io),
                    }
                }
            },
        );
    }

    /// The page with [`ROWS_MARK`] where the rows go.
    fn metrics_page_shell(&self) -> Result<String, Diagnostic> {
        let t = self.t;
        let table = &self.site.metrics;
        let (rows, all_cases) = (&table.rows, &self.site.content.cases);
        let cases = all_cases.len();
        let (chart, chart_note) = self.reductions_chart();
        // Each case's names with its number of rows: counted by case, not by row.
        let with_rows = |names: fn(&Case) -> &[String]| {
            let rows = |i: usize| table.rows_of(i).len();
            all_cases.iter().enumerate().flat_map(move |(i, case)| {
                names(case).iter().map(move |name| (name.as_str(), rows(i)))
            })
        };
        let page = MetricsPage {
            common: self.common(METRICS_URL),
            intro: fill(
                t.metrics_intro,
                &[
                    ("cases", cases.to_string()),
                    ("metrics", table.rows.len().to_string()),
                ],
            ),
            downloads: vec![
                Download {
                    name: t.download_metrics_csv,
                    url: exports::METRICS_CSV,
                },
                Download {
                    name: t.download_metrics_json,
                    url: exports::METRICS_JSON,
                },
                Download {
                    name: t.download_cases_json,
                    url: exports::CASES_JSON,
                },
            ],
            chart,
            chart_note,
            regions: self.groups(&table.regions, TaxonomyKind::Regions),
            departments: self.groups(&table.departments, TaxonomyKind::Departments),
            totals: self.totals(),
            row_count: rows.len(),
            rows_html: super::fragments::mark(ROWS_MARK),
            case_count: cases,
            filter_regions: options(with_rows(|c| std::slice::from_ref(&c.region))),
            filter_departments: options(with_rows(|c| std::slice::from_ref(&c.department))),
            filter_tags: options(with_rows(|c| &c.tags)),
            status_template: t.filter_status.to_string(),
        };
        self.templates.render("metrics.html", &page)
    }

    /// The before/after chart of case `i`, if it has before/after metrics.
    pub(super) fn case_chart(&self, i: usize) -> Option<String> {
        let pairs: Vec<Pair> = self
            .site
            .metrics
            .rows_of(i)
            .iter()
            .filter_map(|row| match row.metric.value {
                MetricValue::Change { before, after } => Some(Pair {
                    name: &row.metric.name,
                    unit: &row.metric.unit,
                    before,
                    after,
                    improved: row.improved(),
                }),
                MetricValue::Single { .. } => None,
            })
            .collect();
        let title = format!(
            "{} · {}",
            self.site.content.cases[i].title, self.t.before_after_chart
        );
        let labels = Labels {
            title: &title,
            before: self.t.before,
            after: self.t.after,
        };
        chart::before_after("metrics-chart", &pairs, labels)
    }

    /// The chart of relative reductions, largest first, and a note when it is cut short.
    fn reductions_chart(&self) -> (Option<String>, Option<String>) {
        let rows = &self.site.metrics.rows;
        let mut changes: Vec<(f64, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| row.reduction_pct().map(|p| (p, i)))
            .collect();
        changes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let total = changes.len();
        changes.truncate(CHART_LIMIT);
        let bars: Vec<Bar> = changes
            .iter()
            .map(|&(percent, i)| {
                let case = &self.site.content.cases[rows[i].case];
                Bar {
                    label: format!("{} · {}", case.title, rows[i].metric.name),
                    href: case.url.clone(),
                    percent,
                    improved: rows[i].improved(),
                }
            })
            .collect();
        let chart = chart::reductions(
            "reductions-chart",
            &bars,
            self.t.reductions_title,
            self.t.reductions_desc,
        );
        let note = (total > bars.len()).then(|| {
            fill(
                self.t.reductions_limited,
                &[
                    ("shown", bars.len().to_string()),
                    ("total", total.to_string()),
                ],
            )
        });
        (chart, note)
    }

    fn groups(&self, groups: &[GroupSummary], kind: TaxonomyKind) -> Vec<GroupView> {
        groups
            .iter()
            .map(|g| GroupView {
                name: g.name.clone(),
                url: term_url(self.site, kind, &g.name),
                cases: g.cases,
                metrics: g.metrics,
                duration_changes: g.duration_changes,
                median_reduction: g
                    .median_reduction
                    .map(|m| format!("{}%", format_signed_1(m).trim_start_matches('+'))),
            })
            .collect()
    }

    fn totals(&self) -> Vec<TotalView<'_>> {
        self.site
            .metrics
            .totals
            .iter()
            .map(|total| {
                let (sum, reason) = match &total.outcome {
                    TotalOutcome::Sum { value, unit } => {
                        (Some(format!("{} {unit}", format_number(*value))), None)
                    }
                    TotalOutcome::MixedUnits { units } => (
                        None,
                        Some(format!("{} ({})", self.t.mixed_units, units.join(", "))),
                    ),
                    TotalOutcome::NotAdditive => (None, Some(self.t.not_additive.to_string())),
                };
                TotalView {
                    name: &total.name,
                    rows: total.rows,
                    cases: total.cases,
                    total: sum,
                    reason,
                }
            })
            .collect()
    }
}

/// Distinct names with their summed counts, sorted by name; names counted 0 are left out.
/// (Taken by case, a name and its case's number of rows: by row, the counting was an eighth
/// of a watch-mode save that retitled a case, when such a save wrote this page again.)
fn options<'a>(names: impl Iterator<Item = (&'a str, usize)>) -> Vec<FilterOption<'a>> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, n) in names.filter(|&(_, n)| n > 0) {
        *counts.entry(name).or_default() += n;
    }
    counts
        .into_iter()
        .map(|(name, count)| FilterOption { name, count })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_count_and_sort() {
        let got = options([("厦门市", 1), ("福州市", 1), ("泉州市", 0), ("厦门市", 2)].into_iter());
        let got: Vec<_> = got.iter().map(|o| (o.name, o.count)).collect();
        assert_eq!(got, [("厦门市", 3), ("福州市", 1)]);
    }
}
