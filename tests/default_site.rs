//! The repository's own site: the 2022 Fujian collection, curated from the seed report.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use casebook::content::case::{Case, CaseId};
use casebook::render::markdown::MarkdownRenderer;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Vec<Case> {
    let config = casebook::Config::load(root()).expect("casebook.toml is valid");
    let markdown = MarkdownRenderer::for_site(&config.raw);
    let (content, problems) = casebook::content::load(&config, &markdown, false);
    assert!(problems.is_empty(), "{problems}");
    assert!(content.warnings.is_empty(), "{}", content.warnings);
    content.cases
}

#[test]
fn builds_all_23_cases_with_no_warnings() {
    let out = tempfile::tempdir().unwrap();
    let report = common::build_into(root(), &out.path().join("public")).unwrap();
    assert_eq!(report.cases, 23);
    assert!(report.warnings.is_empty(), "{}", report.warnings);
    assert!(casebook::check(root(), &Default::default()).is_ok());
    let case23 = common::read(out.path().join("public/cases/023.html"));
    assert!(
        case23.contains("class=\"notice\""),
        "case 23 is marked incomplete on its page"
    );
}

#[test]
fn the_collection_has_its_shape() {
    let cases = cases();
    let ids: Vec<CaseId> = cases.iter().map(|c| c.id.clone()).collect();
    assert_eq!(ids, (1..=23).map(CaseId::Int).collect::<Vec<_>>());
    for case in &cases {
        assert!(
            !case.region.is_empty() && !case.department.is_empty(),
            "case {}",
            case.id
        );
        assert!(
            (3..=6).contains(&case.tags.len()),
            "case {} has {} tags",
            case.id,
            case.tags.len()
        );
        assert!(!case.summary.is_empty(), "case {}", case.id);
        assert!(
            !case.title.ends_with(['?', '?']),
            "case {} title: {}",
            case.id,
            case.title
        );
    }
    assert_eq!(
        cases[16].title,
        "平潭综合实验区推行涉案房产“e拍即得”协同执行机制"
    );
    assert_eq!(
        cases[22].extra.get("incomplete"),
        Some(&serde_json::Value::Bool(true))
    );
}

/// A case whose text reports results in numbers carries them as metrics; the two that report
/// only qualitative results say so in `extra.notes`.
#[test]
fn cases_that_report_numbers_have_metrics() {
    let digit_result = regex::Regex::new(r"\d+(\.\d+)?\s*(个|家|件|%|亿元|万元|万户|户|名|人次|次|天|工作日|小时|分钟|份|项|条|笔|宗)").unwrap();
    for case in cases() {
        let results = case.body.split("## 三、").nth(1).unwrap_or(&case.body);
        if case.metrics.is_empty() {
            assert!(
                case.extra.contains_key("notes"),
                "case {} has no metrics and no note why",
                case.id
            );
            assert!(
                !digit_result.is_match(results),
                "case {} reports numbers but has no metrics",
                case.id
            );
        }
    }
}

#[test]
fn taxonomies_group_related_reforms() {
    let cases = cases();
    let mut tags: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        for tag in &case.tags {
            *tags.entry(tag).or_default() += 1;
        }
    }
    let singletons: Vec<_> = tags
        .iter()
        .filter(|(_, n)| **n == 1)
        .map(|(t, _)| *t)
        .collect();
    assert!(singletons.len() <= 3, "tags used once: {singletons:?}");
    assert!(tags.len() >= 15, "a real vocabulary, not one tag: {tags:?}");
    let regions: Vec<&str> = cases.iter().map(|c| c.region.as_str()).collect();
    for city in [
        "福州市",
        "厦门市",
        "漳州市",
        "泉州市",
        "三明市",
        "莆田市",
        "南平市",
        "龙岩市",
        "宁德市",
        "平潭综合实验区",
        "福建省",
    ] {
        assert!(regions.contains(&city), "{city} missing from the regions");
    }
}
