//! Cases: one Markdown file with typed front matter per reform, project or incident.
//!
//! [`FrontMatter`] is the schema as written (strict: unknown keys are errors, and `casebook
//! schema` publishes it as JSON Schema); [`validate`] turns it into a [`Case`], collecting
//! every semantic problem (empty title, placeholder left by `casebook import`, a metric with
//! neither `value` nor `before`/`after`, …) with its place in the file.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::path::PathBuf;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize};

use super::front_matter::simple::{Map, Node, Untyped};
use super::front_matter::{file_position, FromSimple, Spanned};
use crate::config::TaxonomiesConfig;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::render::markdown::Rendered;

/// What `casebook import` writes where it cannot tell a value; `check` reports it.
pub const PLACEHOLDER: &str = "FIXME";

/// A case's identity: an integer or a string, unique in the collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CaseId {
    Int(i64),
    Str(String),
}

impl Ord for CaseId {
    /// Integers first, numerically; then strings.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (CaseId::Int(a), CaseId::Int(b)) => a.cmp(b),
            (CaseId::Int(_), CaseId::Str(_)) => Ordering::Less,
            (CaseId::Str(_), CaseId::Int(_)) => Ordering::Greater,
            (CaseId::Str(a), CaseId::Str(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for CaseId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaseId::Int(n) => write!(f, "{n}"),
            CaseId::Str(s) => f.write_str(s),
        }
    }
}

impl Serialize for CaseId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CaseId::Int(n) => serializer.serialize_i64(*n),
            CaseId::Str(s) => serializer.serialize_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for CaseId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = CaseId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<CaseId, E> {
                Ok(CaseId::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<CaseId, E> {
                i64::try_from(v)
                    .map(CaseId::Int)
                    .map_err(|_| E::custom("id is too large"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CaseId, E> {
                Ok(CaseId::Str(v.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for CaseId {
    fn schema_name() -> Cow<'static, str> {
        "CaseId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["integer", "string"],
            "description": "Unique id of the case in the collection (cases are listed in id order)."
        })
    }
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

/// A metric as written in front matter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    /// What is measured, e.g. `施工许可办理时长`.
    pub name: String,
    /// Unit as written, e.g. `工作日`, `家`, `万户`, `亿元`, `%`.
    pub unit: String,
    /// A single figure (use either `value` or `before` + `after`).
    #[serde(default)]
    pub value: Option<f64>,
    /// The figure before the reform.
    #[serde(default)]
    pub before: Option<f64>,
    /// The figure after the reform.
    #[serde(default)]
    pub after: Option<f64>,
    /// Which direction is an improvement, when the unit does not make it obvious.
    #[serde(default)]
    pub better: Option<Better>,
    /// Context for the figure, e.g. a period.
    #[serde(default)]
    pub note: Option<String>,
}

/// Front matter of a case file.
//
// (Not in the doc comment, which `casebook schema` publishes.) Read two ways: by serde, and by
// `FrontMatter::from_simple` for simple YAML. A new field or type breaks the latter's build; a
// new serde attribute (`alias`, `deserialize_with`) must be mirrored there by hand, and
// `fast_path_tests` compares the two readings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "casebook case front matter")]
pub struct FrontMatter {
    #[schemars(with = "CaseId")]
    pub id: Spanned<CaseId>,
    /// Title of the case.
    #[schemars(with = "String")]
    pub title: Spanned<String>,
    /// City, county or zone the case is from (a taxonomy).
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// The leading unit (a taxonomy).
    #[schemars(with = "String")]
    pub department: Spanned<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub date: Option<Spanned<String>>,
    /// Topic tags (a taxonomy).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub tags: Vec<Spanned<String>>,
    /// One or two sentences; defaults to the first paragraph of the body.
    #[serde(default)]
    pub summary: Option<String>,
    /// Drafts are built only with `--drafts`.
    #[serde(default)]
    pub draft: bool,
    /// Structured results of the case.
    #[serde(default)]
    #[schemars(with = "Vec<RawMetric>")]
    pub metrics: Vec<Spanned<RawMetric>>,
    /// Free-form data passed to templates as `case.extra`.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl FromSimple for FrontMatter {
    /// The fields as serde reads them; `extra` and anything unknown go to the full parser.
    fn from_simple(map: &Map<'_>) -> Option<Self> {
        let (mut id, mut title, mut region, mut department) = (None, None, None, None);
        let (mut date, mut tags, mut summary, mut draft) = (None, Vec::new(), None, false);
        let mut metrics = Vec::new();
        for (key, node) in map.iter() {
            match key {
                "id" => id = Some(node.spanned(simple_case_id)?),
                "title" => title = Some(node.spanned(Node::string)?),
                "region" => region = Some(node.spanned(Node::string)?),
                "department" => department = Some(node.spanned(Node::string)?),
                "date" => date = Some(node.spanned(Node::string)?),
                "tags" => tags = each(node, |tag| tag.spanned(Node::string))?,
                "summary" => summary = Some(node.string()?),
                "draft" => draft = node.boolean()?,
                "metrics" => metrics = each(node, |m| m.spanned(RawMetric::from_simple))?,
                _ => return None,
            }
        }
        Some(FrontMatter {
            id: id?,
            title: title?,
            region: region?,
            department: department?,
            date,
            tags,
            summary,
            draft,
            metrics,
            extra: serde_json::Map::new(),
        })
    }
}

impl RawMetric {
    fn from_simple(node: &Node<'_>) -> Option<RawMetric> {
        let (mut name, mut unit, mut better, mut note) = (None, None, None, None);
        let (mut value, mut before, mut after) = (None, None, None);
        for (key, node) in node.map()?.iter() {
            match key {
                "name" => name = Some(node.string()?),
                "unit" => unit = Some(node.string()?),
                "value" => value = Some(node.float()?),
                "before" => before = Some(node.float()?),
                "after" => after = Some(node.float()?),
                "better" => better = Some(simple_better(node)?),
                "note" => note = Some(node.string()?),
                _ => return None,
            }
        }
        Some(RawMetric {
            name: name?,
            unit: unit?,
            value,
            before,
            after,
            better,
            note,
        })
    }
}

/// Reads every item of a sequence node, or none.
fn each<T>(node: &Node<'_>, read: impl Fn(&Node<'_>) -> Option<T>) -> Option<Vec<T>> {
    node.items()?.iter().map(read).collect()
}

fn simple_case_id(node: &Node<'_>) -> Option<CaseId> {
    Some(match node.untyped()? {
        Untyped::Int(n) => CaseId::Int(n),
        Untyped::Str(s) => CaseId::Str(s.to_string()),
    })
}

fn simple_better(node: &Node<'_>) -> Option<Better> {
    use serde::de::IntoDeserializer;
    let word: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        node.word()?.into_deserializer();
    Better::deserialize(word).ok()
}

/// A metric's figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MetricValue {
    Single { value: f64 },
    Change { before: f64, after: f64 },
}

/// One validated metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub name: String,
    pub unit: String,
    #[serde(flatten)]
    pub value: MetricValue,
    pub better: Option<Better>,
    pub note: Option<String>,
}

/// A validated case, ready for the site model.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub id: CaseId,
    /// Line and column of `id` in the source, for duplicate-id errors.
    #[serde(skip)]
    pub id_position: (usize, usize),
    /// Output file stem: `cases/<slug>.html`.
    pub slug: String,
    /// Root-relative URL of the case page.
    pub url: String,
    /// Source file, relative to the site root.
    #[serde(skip)]
    pub source: PathBuf,
    pub title: String,
    pub region: String,
    pub department: String,
    pub date: Option<String>,
    pub tags: Vec<String>,
    /// The front matter's summary, else the first paragraph of the body.
    pub summary: String,
    /// Whether `summary` is the body's first paragraph: pages then leave it out above the
    /// body, which shows it already.
    pub summary_from_body: bool,
    pub draft: bool,
    pub metrics: Vec<Metric>,
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Markdown body and the line it starts on (the body is empty once a one-shot build has
    /// rendered it: [`crate::content::load_rendered`]).
    #[serde(skip)]
    pub body: String,
    #[serde(skip)]
    pub body_line: usize,
    /// Filled in once all sources are known (links between cases are resolved then).
    #[serde(skip)]
    pub rendered: Rendered,
}

/// Checks one case's front matter, returning the case and every problem found.
pub fn validate(
    front: FrontMatter,
    source: PathBuf,
    slug: String,
    yaml_line: usize,
    taxonomies: &TaxonomiesConfig,
) -> (Case, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let at = |diag: Diagnostic, pos: (usize, usize)| diag.at(pos.0, pos.1);
    let error = |message: String| Diagnostic::error(source.clone(), message);

    if let CaseId::Str(s) = &front.id.value {
        if s.trim().is_empty() {
            problems.push(at(
                error("`id` is empty".into()),
                file_position(&front.id, yaml_line),
            ));
        }
    }
    for (field, value) in [
        ("title", &front.title),
        ("region", &front.region),
        ("department", &front.department),
    ] {
        let pos = file_position(value, yaml_line);
        let text = value.value.trim();
        if text.is_empty() {
            problems.push(at(error(format!("`{field}` is empty")), pos));
        } else if text.eq_ignore_ascii_case(PLACEHOLDER) {
            problems.push(
                at(
                    error(format!(
                        "`{field}` is still the import placeholder `{PLACEHOLDER}`"
                    )),
                    pos,
                )
                .with_hint(format!("write the case's {field}")),
            );
        }
    }
    check_term(
        &front.region,
        taxonomies.regions.allowed.as_deref(),
        "region",
        yaml_line,
        &source,
        &mut problems,
    );
    check_term(
        &front.department,
        taxonomies.departments.allowed.as_deref(),
        "department",
        yaml_line,
        &source,
        &mut problems,
    );
    if let Some(date) = &front.date {
        if !is_valid_date(&date.value) {
            problems.push(
                at(
                    error(format!("`date` `{}` is not a date", date.value)),
                    file_position(date, yaml_line),
                )
                .with_hint("write it as YYYY-MM-DD, e.g. 2022-05-01"),
            );
        }
    }
    let tags = validate_tags(&front.tags, taxonomies, yaml_line, &source, &mut problems);
    let metrics = front
        .metrics
        .iter()
        .filter_map(|m| validate_metric(m, yaml_line, &source, &mut problems))
        .collect();
    let case = Case {
        id_position: file_position(&front.id, yaml_line),
        id: front.id.value,
        url: format!("cases/{slug}.html"),
        slug,
        source,
        title: front.title.value.trim().to_string(),
        region: front.region.value.trim().to_string(),
        department: front.department.value.trim().to_string(),
        date: front.date.map(|d| d.value),
        tags,
        summary: front.summary.unwrap_or_default().trim().to_string(),
        summary_from_body: false,
        draft: front.draft,
        metrics,
        extra: front.extra,
        body: String::new(),
        body_line: 0,
        rendered: Rendered::default(),
    };
    (case, problems)
}

/// Reports a term outside a closed vocabulary, suggesting the closest allowed one.
fn check_term(
    term: &Spanned<String>,
    allowed: Option<&[String]>,
    field: &str,
    yaml_line: usize,
    source: &std::path::Path,
    problems: &mut Vec<Diagnostic>,
) {
    let Some(allowed) = allowed else { return };
    let value = term.value.trim();
    if value.is_empty() || allowed.iter().any(|a| a == value) {
        return;
    }
    let hint = match did_you_mean(value, allowed.iter().map(String::as_str)) {
        Some(best) => {
            format!("did you mean `{best}`? (or add it to the allowed list in casebook.toml)")
        }
        None => "add it to the allowed list in casebook.toml, or use an allowed term".to_string(),
    };
    let (line, col) = file_position(term, yaml_line);
    problems.push(
        Diagnostic::error(source, format!("unknown {field} `{value}`"))
            .at(line, col)
            .with_hint(hint),
    );
}

fn validate_tags(
    tags: &[Spanned<String>],
    taxonomies: &TaxonomiesConfig,
    yaml_line: usize,
    source: &std::path::Path,
    problems: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for tag in tags {
        let (line, col) = file_position(tag, yaml_line);
        let value = tag.value.trim();
        if value.is_empty() {
            problems.push(Diagnostic::error(source, "empty tag").at(line, col));
        } else if seen.iter().any(|t| t == value) {
            problems.push(
                Diagnostic::warning(source, format!("tag `{value}` is listed twice"))
                    .at(line, col)
                    .with_hint("remove the repeat"),
            );
        } else {
            check_term(
                tag,
                taxonomies.tags.allowed.as_deref(),
                "tag",
                yaml_line,
                source,
                problems,
            );
            seen.push(value.to_string());
        }
    }
    seen
}

fn validate_metric(
    raw: &Spanned<RawMetric>,
    yaml_line: usize,
    source: &std::path::Path,
    problems: &mut Vec<Diagnostic>,
) -> Option<Metric> {
    let (line, col) = file_position(raw, yaml_line);
    let m = &raw.value;
    let mut fail = |message: String, hint: &str| {
        problems.push(
            Diagnostic::error(source, message)
                .at(line, col)
                .with_hint(hint.to_string()),
        );
    };
    let label = if m.name.trim().is_empty() {
        "a metric".to_string()
    } else {
        format!("metric `{}`", m.name.trim())
    };
    if m.name.trim().is_empty() {
        fail("metric `name` is empty".into(), "name what is measured");
    }
    if m.unit.trim().is_empty() {
        fail(
            format!("{label} has an empty `unit`"),
            "write the unit as the source does, e.g. 工作日, 家, %",
        );
    }
    let numbers = [m.value, m.before, m.after];
    if numbers.iter().flatten().any(|n| !n.is_finite()) {
        fail(
            format!("{label} has a number that is not finite"),
            "write a plain number",
        );
        return None;
    }
    let value = match (m.value, m.before, m.after) {
        (Some(value), None, None) => MetricValue::Single { value },
        (None, Some(before), Some(after)) => MetricValue::Change { before, after },
        (Some(_), _, _) => {
            fail(
                format!("{label} has both `value` and `before`/`after`"),
                "use `value` for a single figure, or `before` and `after` for a change",
            );
            return None;
        }
        (None, None, None) => {
            fail(
                format!("{label} has no figures"),
                "add `value: N`, or `before: N` and `after: M`",
            );
            return None;
        }
        (None, _, _) => {
            fail(
                format!("{label} needs both `before` and `after`"),
                "add the missing end of the change, or use `value`",
            );
            return None;
        }
    };
    Some(Metric {
        name: m.name.trim().to_string(),
        unit: m.unit.trim().to_string(),
        value,
        better: m.better,
        note: m.note.clone(),
    })
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_valid_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// The JSON Schema of case front matter, for YAML language servers.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(FrontMatter);
    serde_json::to_string_pretty(&schema).expect("a JSON Schema always serialises")
}

#[cfg(test)]
mod fast_path_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::front_matter;

    fn check(yaml: &str) -> (Case, Vec<Diagnostic>) {
        let front: FrontMatter = front_matter::parse(yaml, 2).expect("parses");
        validate(
            front,
            "c.md".into(),
            "c".into(),
            2,
            &TaxonomiesConfig::default(),
        )
    }

    const BASE: &str = "id: 1\ntitle: T\nregion: R\ndepartment: D\n";

    #[test]
    fn a_valid_case() {
        let (case, problems) = check(&format!(
            "{BASE}tags: [a, b]\nmetrics:\n  - {{name: n, unit: 天, before: 20, after: 4.5}}\n"
        ));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(case.tags, ["a", "b"]);
        assert_eq!(
            case.metrics[0].value,
            MetricValue::Change {
                before: 20.0,
                after: 4.5
            }
        );
        assert_eq!(case.url, "cases/c.html");
    }

    #[test]
    fn metric_needs_figures() {
        let (_, problems) = check(&format!(
            "{BASE}metrics:\n  - name: n\n    unit: 家\n  - name: m\n    unit: 家\n    before: 1\n"
        ));
        assert_eq!(problems.len(), 2);
        assert_eq!(
            problems[0].line,
            Some(7),
            "line of the first metric in the file"
        );
        assert!(problems[0].message.contains("no figures"));
        assert!(problems[1].message.contains("both `before` and `after`"));
    }

    #[test]
    fn placeholder_and_empty_fields_are_errors() {
        let (_, problems) = check("id: 1\ntitle: ''\nregion: FIXME\ndepartment: D\n");
        let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`title` is empty",
                "`region` is still the import placeholder `FIXME`"
            ]
        );
        assert_eq!(problems[1].line, Some(4));
    }

    #[test]
    fn closed_vocabulary_suggests() {
        let front: FrontMatter =
            front_matter::parse(&format!("{BASE}tags: [信用体系]\n"), 2).unwrap();
        let mut tax = TaxonomiesConfig::default();
        tax.tags.allowed = Some(vec!["信用体系建设".into(), "税务".into()]);
        let (_, problems) = validate(front, "c.md".into(), "c".into(), 2, &tax);
        assert!(problems[0].message.contains("unknown tag"));
        assert!(problems[0].hint.as_ref().unwrap().contains("信用体系建设"));
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        let (_, problems) = check(&format!("{BASE}metrics:\n  - {{name: n, unit: 家, value: .nan}}\n  - {{name: m, unit: 家, before: .inf, after: 1}}\n"));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().all(|p| p.message.contains("not finite")));
    }

    #[test]
    fn dates_are_real() {
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2023-02-29"));
        assert!(!is_valid_date("2022-5-1"));
        assert!(!is_valid_date("2022-13-01"));
    }

    #[test]
    fn ids_order_integers_first() {
        let mut ids = [
            CaseId::Str("b".into()),
            CaseId::Int(10),
            CaseId::Int(2),
            CaseId::Str("a".into()),
        ];
        ids.sort();
        assert_eq!(
            ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["2", "10", "a", "b"]
        );
    }

    #[test]
    fn schema_shows_the_defaults_of_located_fields() {
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        let properties = &schema["properties"];
        assert_eq!(properties["tags"]["default"], serde_json::json!([]));
        assert_eq!(
            properties["date"].get("default"),
            Some(&serde_json::Value::Null)
        );
    }

    #[test]
    fn schema_lists_the_fields() {
        let schema = json_schema();
        for field in ["\"id\"", "\"metrics\"", "\"before\"", "\"extra\""] {
            assert!(schema.contains(field), "{field} missing");
        }
    }
}
