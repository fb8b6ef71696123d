//! Machine-readable copies of the collection, published beside the pages under `data/`.
//!
//! - `data/cases.json`: every case's front matter as validated, plus its page URL.
//! - `data/metrics.json`: one object per metric row (see [`MetricRecord`]).
//! - `data/metrics.csv`: the same rows, RFC 4180 (quoted where needed, CRLF line ends),
//!   UTF-8 with a byte-order mark so spreadsheet programs read Chinese correctly.
//!
//! JSON files hold one array element per line: small diffs between builds, easy to grep.
//! Numbers are written as parsed (shortest form that reads back to the same value).

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::content::case::{Better, Case, CaseId, Metric, MetricValue};
use crate::site::metrics::direction::BetterSource;
use crate::site::metrics::units::round_to;
use crate::site::metrics::MetricRow;
use crate::site::Site;

use super::fragments::Reuse;
use crate::hash::hash_of;

pub const CASES_JSON: &str = "data/cases.json";
pub const METRICS_JSON: &str = "data/metrics.json";
pub const METRICS_CSV: &str = "data/metrics.csv";

/// A case as exported: its front matter and where its page is.
#[derive(Serialize)]
struct CaseRecord<'a> {
    id: &'a CaseId,
    title: &'a str,
    region: &'a str,
    department: &'a str,
    date: Option<&'a str>,
    tags: &'a [String],
    summary: &'a str,
    metrics: &'a [Metric],
    extra: &'a serde_json::Map<String, serde_json::Value>,
    /// Root-relative URL of the case page.
    url: &'a str,
}

/// One metric row as exported to JSON and CSV (the CSV columns are these fields, in order;
/// `tags` joined with `;`, absent values empty).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRecord<'a> {
    pub case_id: &'a CaseId,
    pub case_title: &'a str,
    pub case_url: &'a str,
    pub region: &'a str,
    pub department: &'a str,
    pub tags: &'a [String],
    pub metric: &'a str,
    /// As written: `万户`.
    pub unit: &'a str,
    pub value: Option<f64>,
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// The unit without its scale word: `户`.
    pub base_unit: &'a str,
    /// What one written unit is worth in base units: 10000 for `万户`.
    pub scale: f64,
    pub value_normalised: Option<f64>,
    pub before_normalised: Option<f64>,
    pub after_normalised: Option<f64>,
    /// `after − before`, in the written unit.
    pub change: Option<f64>,
    /// Relative change in percent, four decimals.
    pub change_pct: Option<f64>,
    pub better: Option<Better>,
    pub better_source: Option<BetterSource>,
    pub improved: Option<bool>,
    pub note: Option<&'a str>,
}

/// The CSV header: [`MetricRecord`]'s fields.
pub const CSV_HEADER: [&str; 22] = [
    "case_id",
    "case_title",
    "case_url",
    "region",
    "department",
    "tags",
    "metric",
    "unit",
    "value",
    "before",
    "after",
    "base_unit",
    "scale",
    "value_normalised",
    "before_normalised",
    "after_normalised",
    "change",
    "change_pct",
    "better",
    "better_source",
    "improved",
    "note",
];

impl<'a> MetricRecord<'a> {
    pub fn new(case: &'a Case, row: &'a MetricRow) -> Self {
        let (value, before, after) = split(row.metric.value);
        let (value_n, before_n, after_n) = split(row.normalised());
        MetricRecord {
            case_id: &case.id,
            case_title: &case.title,
            case_url: &case.url,
            region: &case.region,
            department: &case.department,
            tags: &case.tags,
            metric: &row.metric.name,
            unit: &row.metric.unit,
            value,
            before,
            after,
            base_unit: &row.unit.base,
            scale: row.unit.scale,
            value_normalised: value_n,
            before_normalised: before_n,
            after_normalised: after_n,
            change: row.change(),
            change_pct: row.change_pct().map(|p| round_to(p, 4)),
            better: row.better,
            better_source: row.better_source,
            improved: row.improved(),
            note: row.metric.note.as_deref(),
        }
    }

    /// The record as CSV fields, in [`CSV_HEADER`] order.
    pub fn csv_fields(&self) -> Vec<String> {
        let num = |n: Option<f64>| n.map(|v| v.to_string()).unwrap_or_default();
        vec![
            self.case_id.to_string(),
            self.case_title.to_string(),
            self.case_url.to_string(),
            self.region.to_string(),
            self.department.to_string(),
            self.tags.join(";"),
            self.metric.to_string(),
            self.unit.to_string(),
            num(self.value),
            num(self.before),
            num(self.after),
            self.base_unit.to_string(),
            self.scale.to_string(),
            num(self.value_normalised),
            num(self.before_normalised),
            num(self.after_normalised),
            num(self.change),
            num(self.change_pct),
            word(&self.better),
            word(&self.better_source),
            self.improved.map(|b| b.to_string()).unwrap_or_default(),
            self.note.unwrap_or_default().to_string(),
        ]
    }
}

/// An optional enum as the same word JSON uses (`lower`, `front_matter`), or empty.
fn word<T: Serialize>(value: &Option<T>) -> String {
    match value.as_ref().map(serde_json::to_value) {
        Some(Ok(serde_json::Value::String(s))) => s,
        _ => String::new(),
    }
}

fn split(value: MetricValue) -> (Option<f64>, Option<f64>, Option<f64>) {
    match value {
        MetricValue::Single { value } => (Some(value), None, None),
        MetricValue::Change { before, after } => (None, Some(before), Some(after)),
    }
}

/// Writes one export file of a site; watch mode lends the fragment memo, so that bringing
/// the exports up to date after saves serialises only the changed cases' records again.
pub type Export = fn(&Site, Option<Reuse>, &mut dyn Write) -> io::Result<()>;

/// The export files, each written piece by piece: at 100,000 cases they are 360 MB, not
/// worth holding whole.
pub const EXPORTS: [(&str, Export); 3] = [
    (CASES_JSON, write_cases_json),
    (METRICS_JSON, write_metrics_json),
    (METRICS_CSV, write_metrics_csv),
];

/// Items serialised (in parallel) and written at a time.
const BATCH: usize = 1024;

/// A JSON array with one compact element per line.
const JSON_LINES: Layout = Layout {
    first: "\n",
    between: ",\n",
    tail: "\n]\n",
};

fn write_cases_json(site: &Site, reuse: Option<Reuse>, w: &mut dyn Write) -> io::Result<()> {
    let cases = &site.content.cases;
    let lines = Lines {
        name: CASES_JSON,
        count: cases.len(),
        key: &|i| reuse.map_or(0, |r| hash_of(&(CASES_JSON, r.case_keys[i]))),
        line: &|i| Ok(serde_json::to_string(&case_record(&cases[i]))?),
    };
    w.write_all(b"[")?;
    lines.write(reuse, &JSON_LINES, w)
}

fn case_record(c: &Case) -> CaseRecord<'_> {
    CaseRecord {
        id: &c.id,
        title: &c.title,
        region: &c.region,
        department: &c.department,
        date: c.date.as_deref(),
        tags: &c.tags,
        summary: &c.summary,
        metrics: &c.metrics,
        extra: &c.extra,
        url: &c.url,
    }
}

fn write_metrics_json(site: &Site, reuse: Option<Reuse>, w: &mut dyn Write) -> io::Result<()> {
    let record = |r: usize| record_of(site, r);
    let lines = Lines {
        name: METRICS_JSON,
        count: site.metrics.rows.len(),
        key: &|r| row_key(site, reuse, METRICS_JSON, r),
        line: &|r| Ok(serde_json::to_string(&record(r))?),
    };
    w.write_all(b"[")?;
    lines.write(reuse, &JSON_LINES, w)
}

/// UTF-8 with BOM, a header row, RFC 4180 quoting and CRLF record ends.
fn write_metrics_csv(site: &Site, reuse: Option<Reuse>, w: &mut dyn Write) -> io::Result<()> {
    let lines = Lines {
        name: METRICS_CSV,
        count: site.metrics.rows.len(),
        key: &|r| row_key(site, reuse, METRICS_CSV, r),
        line: &|r| Ok(csv_line(&record_of(site, r).csv_fields())),
    };
    write_csv_head(w)?;
    lines.write(reuse, &CSV_LINES, w)
}

/// Records as CSV lines, each with its CRLF end.
const CSV_LINES: Layout = Layout {
    first: "",
    between: "",
    tail: "",
};

/// Metric row `r` as exported.
fn record_of(site: &Site, r: usize) -> MetricRecord<'_> {
    let row = &site.metrics.rows[r];
    MetricRecord::new(&site.content.cases[row.case], row)
}

/// What metric row `r` of an export is known by: its case's key and its place among the
/// case's rows.
fn row_key(site: &Site, reuse: Option<Reuse>, export: &str, r: usize) -> u64 {
    let Some(reuse) = reuse else { return 0 };
    let (case, nth) = site.metrics.place(r);
    hash_of(&(export, reuse.case_keys[case], nth))
}

/// What goes around an export's lines: before the first, between two, after the last.
struct Layout {
    first: &'static str,
    between: &'static str,
    tail: &'static str,
}

/// The lines of an export: how many, what each is known by in the memo, how each is made.
struct Lines<'a> {
    /// The export's path, which names its list in the memo.
    name: &'static str,
    count: usize,
    key: &'a (dyn Fn(usize) -> u64 + Sync),
    line: &'a (dyn Fn(usize) -> io::Result<String> + Sync),
}

impl Lines<'_> {
    /// Writes every line, made in parallel a batch at a time; in watch mode (`reuse`), only
    /// the lines whose key is new are made and the others copied from the last build.
    fn write(&self, reuse: Option<Reuse>, layout: &Layout, w: &mut dyn Write) -> io::Result<()> {
        let sep = |i: usize| if i == 0 { layout.first } else { layout.between };
        if let Some(reuse) = reuse {
            let key = |i: usize| hash_of(&((self.key)(i), i == 0));
            let make = |i: usize| Ok([sep(i), &(self.line)(i)?].concat().into_bytes());
            reuse
                .memo
                .write_list(self.name, self.count, &key, &make, w)?;
            return w.write_all(layout.tail.as_bytes());
        }
        for start in (0..self.count).step_by(BATCH) {
            let batch = start..(start + BATCH).min(self.count);
            let lines: Vec<_> = batch
                .into_par_iter()
                .map(self.line)
                .collect::<Result<_, _>>()?;
            for (i, line) in lines.iter().enumerate() {
                w.write_all(sep(start + i).as_bytes())?;
                w.write_all(line.as_bytes())?;
            }
        }
        w.write_all(layout.tail.as_bytes())
    }
}

/// One CSV record, with its CRLF end: fields joined by commas, a field that holds a comma,
/// a quote or a line break quoted, its quotes doubled (RFC 4180, as the `csv` crate writes
/// it, which quotes a record of one empty field so that it is not read as no record; a test
/// checks the two agree). Written by hand: a `csv` writer set up for every line was most of
/// the cost of a line.
fn csv_line<S: AsRef<str>>(fields: &[S]) -> String {
    let fields = fields.iter().map(AsRef::as_ref);
    let mut line = String::with_capacity(fields.clone().map(|f| f.len() + 1).sum::<usize>() + 2);
    for (i, field) in fields.enumerate() {
        if i > 0 {
            line.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(field);
        }
    }
    if line.is_empty() {
        line.push_str("\"\"");
    }
    line.push_str("\r\n");
    line
}

/// Spreadsheet programs read a CSV file as UTF-8 only when it starts with this mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The start of the CSV export: the BOM, then the header row.
fn write_csv_head(w: &mut dyn Write) -> io::Result<()> {
    w.write_all(BOM)?;
    w.write_all(csv_line(&CSV_HEADER).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::case::Metric;

    fn case() -> Case {
        let front = "id: 7\ntitle: 标题, \"引号\"\nregion: 福州市\ndepartment: D\n";
        let fm = crate::content::front_matter::parse(front, 2).unwrap();
        let (mut c, _) =
            crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
        c.tags = vec!["a".into(), "b".into()];
        c
    }

    fn row(unit: &str, value: MetricValue, note: Option<&str>) -> MetricRow {
        MetricRow::new(
            0,
            &Metric {
                name: "办理时长".into(),
                unit: unit.into(),
                value,
                better: None,
                note: note.map(str::to_string),
            },
        )
    }

    #[test]
    fn csv_has_bom_crlf_and_quotes_what_needs_quoting() {
        let c = case();
        let r = row(
            "工作日",
            MetricValue::Change {
                before: 20.0,
                after: 4.5,
            },
            Some("第一行\n第二行"),
        );
        let mut bytes = Vec::new();
        write_csv_head(&mut bytes).unwrap();
        let line = csv_line(&MetricRecord::new(&c, &r).csv_fields());
        bytes.extend(line.as_bytes());
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let header = text.split("\r\n").next().unwrap();
        assert_eq!(header.split(',').collect::<Vec<_>>(), CSV_HEADER);
        assert!(header.starts_with("case_id,case_title,"));
        assert!(
            text.contains("7,\"标题, \"\"引号\"\"\",cases/c.html,福州市,D,a;b,办理时长,工作日,,20,4.5,工作日,1,,20,4.5,-15.5,-77.5,lower,inferred,true,\"第一行\n第二行\"\r\n"),
            "{text}"
        );
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn csv_lines_are_what_the_csv_crate_writes() {
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\r",
            "\"",
            ",",
            "标题, 引号",
            " spaced ",
            "semi;colon",
            "tab\there",
        ];
        let by_the_crate = |fields: &[&str]| {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .flexible(true)
                .from_writer(Vec::new());
            writer.write_record(fields).unwrap();
            String::from_utf8(writer.into_inner().unwrap()).unwrap()
        };
        assert_eq!(csv_line(&fields), by_the_crate(&fields));
        for record in [&[""][..], &["", ""], &["x"], &[",", ""]] {
            assert_eq!(csv_line(record), by_the_crate(record), "{record:?}");
        }
    }

    #[test]
    fn scale_words_reach_the_normalised_columns() {
        let c = case();
        let r = row("万户", MetricValue::Single { value: 5.2 }, None);
        let record = MetricRecord::new(&c, &r);
        assert_eq!(record.value, Some(5.2));
        assert_eq!(record.value_normalised, Some(52000.0));
        assert_eq!(record.base_unit, "户");
        let fields = record.csv_fields();
        assert_eq!(fields[12], "10000");
        assert_eq!(fields[13], "52000");
        assert_eq!(
            fields[18..21],
            ["higher", "inferred", ""],
            "办理 counted in 户: served"
        );
    }

    fn json_lines(items: &[u32]) -> String {
        let lines = Lines {
            name: "test",
            count: items.len(),
            key: &|_| 0,
            line: &|i| Ok(serde_json::to_string(&items[i])?),
        };
        let mut bytes = b"[".to_vec();
        lines.write(None, &JSON_LINES, &mut bytes).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn json_lines_are_one_element_per_line() {
        assert_eq!(json_lines(&[1, 2]), "[\n1,\n2\n]\n");
        assert_eq!(json_lines(&[]), "[\n]\n");
        let many: Vec<u32> = (0..2500).collect();
        let text = json_lines(&many);
        assert_eq!(
            text.lines().count(),
            2502,
            "one line per element across batches"
        );
        let parsed: Vec<u32> = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed, many);
    }
}
