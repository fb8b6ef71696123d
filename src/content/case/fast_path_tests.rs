//! The simple-YAML fast path against serde-saphyr: on every document it accepts, it must give
//! exactly what the full parser gives, positions included.

use super::*;
use crate::content::front_matter::{self, simple};

/// Values written in places where real front matter puts them, and near misses.
const SCALARS: &[&str] = &[
    "T",
    "晋江市",
    "\"晋江市(第1号)\"",
    "'单引号'",
    "a b",
    "a  b",
    "100%",
    "it's",
    "a\"b",
    "x   ",
    "1022",
    "4.9",
    "-5",
    "0",
    "007",
    "2022-08-21",
    "2022-5-1",
    "12345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "1.5",
    "0x1F",
    "0o17",
    "1_000",
    "1e3",
    ".5",
    "5.",
    "+5",
    "-0",
    "-x",
    ".inf",
    ".nan",
    "inf",
    "NaN",
    "true",
    "false",
    "True",
    "yes",
    "No",
    "y",
    "n",
    "on",
    "OFF",
    "null",
    "Null",
    "NULL",
    "nULL",
    "~",
    "\"\"",
    "''",
    "\"null\"",
    "\"a: b\"",
    "'a: b'",
    "a: b",
    "a:b",
    "a #c",
    "a#c",
    "C#",
    "\"a\" # c",
    "1 # c",
    "[1]",
    "[a, b]",
    "{a: 1}",
    "&x 1",
    "*x",
    "!!str 1",
    "!x",
    "\"a\\\"b\"",
    "\"a\\nb\"",
    "'it''s'",
    "\"open",
    "'open",
    "\"a\" b",
    "? x",
    ":x",
    "@x",
    "%x",
    "`x`",
    "|",
    ">",
    "a, b",
    "a[1]",
    "中文，逗号",
    "\u{3000}全角",
    "a\u{3000}",
    "é",
    "_x",
    "Lower",
    "lower",
    "higher",
    "\"lower\"",
    "http://x.org",
    "a\\b",
    "- a",
    "-",
    "a -b",
];

const TAG_LISTS: &[&str] = &[
    " [a, b]",
    " []",
    " [ ]",
    " [a,b]",
    " [ a , b ]",
    " [\"a, b\"]",
    " ['a', \"b\"]",
    " [并联审批,  告知承诺 , \"政务服务\", '惠企']",
    " [a,]",
    " [,]",
    " [a, [b]]",
    " [a] # c",
    " [a]x",
    " [a] ",
    " [null]",
    " [~]",
    " [yes]",
    " [1]",
    " [a: b]",
    " [a #b]",
    " [a",
    "\n  - a\n  - b",
    "\n- a\n- b",
    "\n  - \"a\"\n  -   b",
    "\n  -a",
    "\n  -\n  - b",
    "\n  - a\n    b",
    "\n  - a\n   - b",
    "\n    - x\n  - y",
    "\n  - a\n\n  # note\n  - b",
    "\n  - [a]",
    "\n  - a: b",
    " permits",
    "",
    "\n",
];

const METRIC_LISTS: &[&str] = &[
    " []",
    "\n  - name: 减免费用\n    value: 1022\n    unit: \"万元\"",
    "\n  - name: 办理时长\n    before: 35\n    after: 4.9\n    unit: \"工作日\"\n    better: lower",
    "\n- name: a\n  unit: b\n  value: -2.5",
    "\n  -   name: a\n      unit: b\n      value: 1",
    "\n  - name: a\n     unit: b",
    "\n  - name: a\n      unit: b",
    "\n  - name: a\n    name: b\n    unit: c",
    "\n  - name: a\n    unit: b\n    bogus: 1",
    "\n  - name: a\n    value: 1",
    "\n  - {name: a, unit: b, value: 1}",
    "\n  - name: a\n    unit: b\n    note: 期间\n  - name: c\n    unit: d\n    before: 1\n    after: 2",
    "\n  - name: a\n    unit: b\n    better: higher\n    note: \"x: y\"",
    "\n  - name: a\n    unit: b\n    value:\n      - 1",
    "\n  - name: a\n    unit: b\n    note: null",
    "\n  - name: a\n    unit: b\n\n    value: 3",
    "\n  - name: a\n    unit: b\n    # comment\n    value: 3",
    "\n  - name: a\n    unit: b\n  value: 3",
    "\n  - name: a\n    unit: b\n    value: 3\n  - x",
];

/// Sets `field` of a typical case to `value` (written after `field:`), or removes it.
fn with_field(field: &str, value: Option<&str>) -> String {
    let base = [
        ("id", " 1"),
        ("title", " 晋江市深化数据共享平台"),
        ("region", " 晋江市"),
        ("department", " \"晋江市住房和城乡建设局\""),
        ("date", " 2022-08-21"),
        ("tags", " [并联审批, 告知承诺]"),
        ("metrics", METRIC_LISTS[2]),
    ];
    let mut yaml = String::new();
    let mut written = false;
    for (key, default) in base {
        let text = if key == field {
            written = true;
            match value {
                Some(v) => v,
                None => continue,
            }
        } else {
            default
        };
        yaml.push_str(&format!("{key}:{text}\n"));
    }
    if !written {
        if let Some(v) = value {
            yaml.push_str(&format!("{field}:{v}\n"));
        }
    }
    yaml
}

/// A metric list of one metric with `key: value` among its entries.
fn metric_with(key: &str, value: &str) -> String {
    let mut entries = vec![("name", "n"), ("unit", "u"), ("value", "1")];
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
    let lines: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("\n  - {}", lines.join("\n    "))
}

/// Documents that vary one thing at a time from a typical case, plus odd layouts.
fn documents() -> Vec<String> {
    let mut docs = Vec::new();
    for scalar in SCALARS {
        let value = format!(" {scalar}");
        for field in [
            "id",
            "title",
            "region",
            "department",
            "date",
            "summary",
            "draft",
        ] {
            docs.push(with_field(field, Some(&value)));
        }
        for key in ["name", "unit", "value", "better", "note"] {
            docs.push(with_field("metrics", Some(&metric_with(key, scalar))));
        }
        docs.push(with_field("tags", Some(&format!(" [{scalar}]"))));
        docs.push(with_field("tags", Some(&format!("\n  - {scalar}"))));
    }
    for tags in TAG_LISTS {
        docs.push(with_field("tags", Some(tags)));
    }
    for metrics in METRIC_LISTS {
        docs.push(with_field("metrics", Some(metrics)));
    }
    for field in [
        "id",
        "title",
        "region",
        "department",
        "date",
        "tags",
        "metrics",
    ] {
        docs.push(with_field(field, None));
    }
    let typical = with_field("", None);
    docs.extend([
        format!("# leading comment\n\n{typical}"),
        typical.replace('\n', "\n\n"),
        typical.replace("title: ", "title:   "),
        typical.replace("title: ", "title:"),
        typical.replace("id: 1", "id: 1\nid: 2"),
        typical.replace("id: 1", "  id: 1"),
        typical.replace("id: 1", "id : 1"),
        typical.replace("id: 1", "\"id\": 1"),
        typical.replace("title: ", "title: \n  "),
        format!("{typical}extra:\n  a: 1\n"),
        format!("{typical}extra: {{}}\n"),
        format!("{typical}draft: true\nsummary: 一句话\n"),
        format!("{typical}---\n"),
        format!("{typical}...\n"),
        format!("%YAML 1.2\n{typical}"),
        typical.replace("title: 晋江市深化数据共享平台", "title: 晋江市\n  深化"),
        typical.replace("title: 晋江市深化数据共享平台", "title: \"晋江市\n  深化\""),
        typical.replace('\n', "\t\n"),
        typical.replace("晋江市深化", "晋江市\u{feff}深化"),
        typical.replace("晋江市深化", "晋江市\u{2028}深化"),
        typical.replace("晋江市深化", "晋江市\u{85}深化"),
        typical.replace("晋江市深化", "晋江市\u{7f}深化"),
        typical.replace("晋江市深化", "晋江市\u{1F600}深化"),
        String::new(),
        "# only a comment\n".to_string(),
        "just text\n".to_string(),
        "- a\n- b\n".to_string(),
    ]);
    docs
}

/// Several fields varied at once, in varying order: block lists followed by other keys.
fn mixed_documents() -> Vec<String> {
    let mut random = Lcg(0x5eed);
    (0..2000)
        .map(|_| {
            let mut lines = vec![
                format!("id: {}", random.scalar()),
                format!("title: {}", random.scalar()),
                "region: R".to_string(),
                "department: D".to_string(),
                format!("tags:{}", TAG_LISTS[random.below(TAG_LISTS.len())]),
                format!("metrics:{}", METRIC_LISTS[random.below(METRIC_LISTS.len())]),
                format!("summary: {}", random.scalar()),
            ];
            let turn = random.below(lines.len());
            lines.rotate_left(turn);
            if random.below(3) == 0 {
                let at = random.below(lines.len());
                lines.insert(at, "# a comment".to_string());
            }
            lines.join("\n") + "\n"
        })
        .collect()
}

/// A small deterministic pseudo-random generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize % n
    }

    /// Mostly a typical value, sometimes any of [`SCALARS`].
    fn scalar(&mut self) -> &'static str {
        let pool = if self.below(3) == 0 {
            SCALARS.len()
        } else {
            12
        };
        SCALARS[self.below(pool)]
    }
}

/// Typical documents with a few characters YAML cares about inserted or deleted at random.
fn mutated_documents() -> Vec<String> {
    const PIECES: &[&str] = &[
        " ", "  ", "\n", "\n  ", ":", ": ", "- ", "-", "'", "\"", "[", "]", ",", "#", " #", "中",
        "1", "a", ".", "~", "\\", "{", "&", "*", "!", "|", "?", "%", "0", "e",
    ];
    let mut random = Lcg(0xfeed);
    let typical = [
        with_field("", None),
        with_field("tags", Some(TAG_LISTS[21])),
        with_field("metrics", Some(METRIC_LISTS[11])),
    ];
    (0..3000)
        .map(|i| {
            let mut doc: Vec<char> = typical[i % typical.len()].chars().collect();
            for _ in 0..1 + random.below(3) {
                let at = random.below(doc.len());
                if random.below(4) == 0 {
                    doc.remove(at);
                } else {
                    let piece = PIECES[random.below(PIECES.len())];
                    doc.splice(at..at, piece.chars());
                }
            }
            doc.into_iter().collect()
        })
        .collect()
}

fn fixture_front_matter() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| front_matter::split(&text).ok().map(|s| s.yaml.to_string()))
        .collect()
}

/// The fast path's reading of `yaml`, checked against serde-saphyr's; whether it was taken.
fn check_agrees(yaml: &str) -> bool {
    let Some(fast) = simple::parse(yaml).and_then(|map| FrontMatter::from_simple(&map)) else {
        return false;
    };
    let full = front_matter::parse::<FrontMatter>(yaml, 2).unwrap_or_else(|e| {
        panic!("the fast path read what serde-saphyr refuses ({e:?}):\n{yaml}")
    });
    assert_eq!(format!("{fast:?}"), format!("{full:?}"), "\n{yaml}");
    true
}

#[test]
fn the_fast_path_reads_what_serde_saphyr_reads() {
    let docs = documents();
    let taken = docs.iter().filter(|yaml| check_agrees(yaml)).count();
    assert!(
        taken > docs.len() / 4 && taken < docs.len(),
        "{taken} of {}",
        docs.len()
    );
}

#[test]
fn the_fast_path_agrees_when_many_things_vary() {
    let docs = mixed_documents();
    let taken = docs.iter().filter(|yaml| check_agrees(yaml)).count();
    assert!(taken > 0, "no mixed document took the fast path");
}

#[test]
fn the_fast_path_agrees_on_mutated_documents() {
    let docs = mutated_documents();
    let taken = docs.iter().filter(|yaml| check_agrees(yaml)).count();
    assert!(taken > docs.len() / 10, "{taken} of {}", docs.len());
}

#[test]
fn the_fast_path_agrees_on_the_fixtures() {
    for yaml in fixture_front_matter() {
        check_agrees(&yaml);
    }
}

#[test]
fn typical_front_matter_takes_the_fast_path() {
    for yaml in [
        with_field("", None),
        with_field("metrics", Some(METRIC_LISTS[11])),
        with_field("tags", Some(TAG_LISTS[21])),
        with_field("id", Some(" \"case-7\"")),
        format!("{}draft: true\nsummary: 一句话\n", with_field("", None)),
    ] {
        assert!(check_agrees(&yaml), "{yaml}");
    }
}
