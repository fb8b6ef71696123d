//! Metric tables, charts and exports of the `metrics_site` fixture: the metrics page is a
//! contract (snapshot), the exports read back to the same rows, term and case pages carry
//! their metrics.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

fn built() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("metrics_site"), &out.path().join("public")).unwrap();
    out
}

fn public(out: &tempfile::TempDir) -> std::path::PathBuf {
    out.path().join("public")
}

#[test]
fn metrics_page_matches_snapshot() {
    let out = built();
    insta::assert_snapshot!(read(public(&out).join("metrics.html")));
}

/// Every page links to the metrics page, marked current on the page itself.
#[test]
fn metrics_page_is_in_every_navigation() {
    let out = built();
    let p = public(&out);
    assert!(read(p.join("index.html")).contains("<a href=\"metrics.html\">指标</a>"));
    assert!(read(p.join("cases/001.html")).contains("<a href=\"../metrics.html\">指标</a>"));
    assert!(read(p.join("metrics.html"))
        .contains("<a href=\"metrics.html\" aria-current=\"page\">指标</a>"));
}

#[test]
fn scale_words_sort_and_sum() {
    let out = built();
    let html = read(public(&out).join("metrics.html"));
    assert!(
        html.contains("data-v=\"52000\">5.2 万户</td>"),
        "5.2 万户 sorts as 52000"
    );
    assert!(html.contains("data-v=\"48000\">48000 户</td>"));
    assert!(html.contains("<td class=\"num\">10 万户</td>"), "total");
    assert!(html.contains("<td class=\"num\">503.2 亿元</td>"), "total");
    assert!(
        html.contains("单位不一致，不合计 (件, 工作日)"),
        "mixed units never summed"
    );
}

fn csv_records(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "metrics.csv starts with a BOM"
    );
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// A JSON field as the CSV writes it.
fn as_csv_field(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.as_f64().unwrap().to_string(),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(";"),
        Value::Object(_) => panic!("no nested objects in a metric row"),
    }
}

#[test]
fn csv_parses_back_to_the_json_rows() {
    let out = built();
    let p = public(&out);
    let json: Vec<Value> = serde_json::from_str(&read(p.join("data/metrics.json"))).unwrap();
    let bytes = std::fs::read(p.join("data/metrics.csv")).unwrap();
    assert!(
        bytes.windows(2).filter(|w| w == b"\r\n").count() > json.len(),
        "CRLF record ends"
    );
    let (header, rows) = csv_records(&bytes);
    assert_eq!(rows.len(), 18, "every metric of the fixture is a row");
    assert_eq!(json.len(), rows.len());
    for (record, object) in rows.iter().zip(&json) {
        let object = object.as_object().unwrap();
        assert_eq!(header.len(), object.len(), "same fields in CSV and JSON");
        for (name, field) in header.iter().zip(record) {
            let expected = as_csv_field(&object[name.as_str()]);
            if let (Ok(a), Ok(b)) = (field.parse::<f64>(), expected.parse::<f64>()) {
                assert_eq!(a, b, "{name}");
            } else {
                assert_eq!(field, &expected, "{name}");
            }
        }
    }
    let note = rows.iter().find(|r| r[6] == "留抵退税款").unwrap();
    assert_eq!(
        note[21], "2022年4月至7月,\n含\"增量\"留抵",
        "quotes, commas, newlines survive"
    );
    let title = &rows.iter().find(|r| r[0] == "2").unwrap()[1];
    assert_eq!(title, "厦门市\"一窗受理\", 办税不用跑");
}

#[test]
fn json_rows_are_understood() {
    let out = built();
    let json: Vec<Value> =
        serde_json::from_str(&read(public(&out).join("data/metrics.json"))).unwrap();
    let row = |case: i64, metric: &str| {
        json.iter()
            .find(|r| r["case_id"] == case && r["metric"] == metric)
            .unwrap_or_else(|| panic!("no row {case} {metric}"))
            .clone()
    };
    let r = row(1, "施工许可办理时长");
    assert_eq!(
        (r["change"].as_f64(), r["change_pct"].as_f64()),
        (Some(-15.5), Some(-77.5))
    );
    assert_eq!(
        (&r["better"], &r["better_source"], &r["improved"]),
        (&"lower".into(), &"inferred".into(), &true.into())
    );
    let r = row(4, "投诉件数");
    assert_eq!(
        (&r["better"], &r["better_source"], &r["improved"]),
        (&"lower".into(), &"front_matter".into(), &false.into())
    );
    let r = row(1, "退税纳税人");
    assert_eq!(
        (r["value_normalised"].as_f64(), &r["base_unit"]),
        (Some(52000.0), &"户".into())
    );
    let r = row(5, "夜间办理时长");
    assert_eq!(r["change_pct"], Value::Null, "no percent from a zero base");
    assert_eq!(row(5, "试点数")["better"], Value::Null);
}

#[test]
fn cases_json_has_front_matter_and_urls() {
    let out = built();
    let cases: Vec<Value> =
        serde_json::from_str(&read(public(&out).join("data/cases.json"))).unwrap();
    assert_eq!(cases.len(), 5);
    assert_eq!(cases[0]["url"], "cases/001.html");
    assert_eq!(cases[0]["tags"], serde_json::json!(["审批", "一网通办"]));
    assert_eq!(cases[0]["metrics"][0]["before"], 20.0);
    assert_eq!(cases[3]["metrics"][2]["better"], "lower", "as written");
    assert_eq!(
        cases[3]["metrics"][0]["better"],
        Value::Null,
        "not inferred"
    );
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn term_pages_list_the_metrics_of_their_cases() {
    let out = built();
    let html = read(public(&out).join("regions/泉州市.html"));
    let table = html.split("class=\"metrics metric-rows\"").nth(1).unwrap();
    assert_eq!(count(table, "<a href=\"../cases/004.html\">"), 4);
    assert_eq!(count(table, "<a href=\"../cases/005.html\">"), 2);
    assert_eq!(count(table, "../cases/001.html"), 0);
    let tag = read(public(&out).join("tags/税务.html"));
    assert_eq!(count(&tag, "<tr"), 1 + 5 + 3, "header, case 2, case 3");
}

#[test]
fn case_pages_chart_their_before_after_metrics() {
    let out = built();
    let html = read(public(&out).join("cases/004.html"));
    let svg = html.split("<svg").nth(1).expect("an inline SVG chart");
    assert!(svg.contains("role=\"img\""));
    assert_eq!(count(svg, "<rect class=\"chart-bar before\""), 3);
    assert_eq!(count(svg, "chart-bar after improved"), 2);
    assert_eq!(count(svg, "chart-bar after worsened"), 1, "投诉件数 rose");
    assert!(
        html.contains("✗ 变差"),
        "a worse figure is said in words, not colour only"
    );
    let plain = read(public(&out).join("cases/005.html"));
    assert!(plain.contains("<svg"), "case 5 has before/after metrics");
    assert!(
        !plain.contains("chart-bar after improved") && plain.contains("chart-bar after neutral"),
        "试点数 has no direction"
    );
}

#[test]
fn reductions_chart_links_every_before_after_metric() {
    let out = built();
    let html = read(public(&out).join("metrics.html"));
    let svg = html.split("chart-reductions").nth(1).unwrap();
    let svg = svg.split("</svg>").next().unwrap();
    assert_eq!(
        count(svg, "<a href=\"cases/"),
        8,
        "eight before/after metrics with a base"
    );
    let first = svg.find("跑动次数").unwrap();
    let last = svg.find("试点数").unwrap();
    assert!(first < last, "largest reduction first");
}

#[test]
fn metric_outputs_are_byte_identical_between_builds() {
    let a = built();
    let b = built();
    for file in [
        "metrics.html",
        "data/metrics.csv",
        "data/metrics.json",
        "data/cases.json",
    ] {
        let read_bytes = |dir: &Path| std::fs::read(dir.join("public").join(file)).unwrap();
        assert_eq!(read_bytes(a.path()), read_bytes(b.path()), "{file}");
    }
}
