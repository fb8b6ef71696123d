//! Front matter: the YAML block between `---` lines at the top of a content file.
//!
//! This is the only module that knows which YAML crate casebook uses (serde-saphyr: pure
//! Rust, fuzzed, with located errors and budgets against alias bombs and deep nesting), so it
//! could be swapped without touching the rest. Errors come back with line and column already
//! shifted into the coordinates of the file the editor opened.
//!
//! Case front matter is nearly always simple YAML, which [`simple`] reads in a fraction of the
//! parser's time ([`parse_fast`]); anything else, and every error, goes through serde-saphyr.

pub mod simple;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::explain_unknown_field;

/// A front-matter value with the place of its YAML node, for semantic checks that point at it.
///
/// casebook's own type rather than serde-saphyr's, so the YAML crate stays in this module and
/// the simple-YAML fast path can build one.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    /// 1-based line and column (in characters) of the node in the YAML; 0 when unknown.
    line: usize,
    column: usize,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(deserializer)?;
        Ok(Spanned {
            value: spanned.value,
            line: spanned.referenced.line() as usize,
            column: spanned.referenced.column() as usize,
        })
    }
}

/// The value alone, as serde-saphyr's `Spanned` serialises: `casebook schema` shows the
/// defaults of `Spanned` fields through it.
impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// A content file cut into its YAML and Markdown parts.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// 1-based line of the file on which the YAML starts (the line after the opening `---`).
    pub yaml_line: usize,
    pub body: &'a str,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// A problem in a file's front matter, located in file coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: Option<String>,
}

/// Cuts `text` (BOM removed, line ends normalised to `\n`) into front matter and body.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(FrontMatterError {
            line: 1,
            column: 1,
            message: if text.trim().is_empty() {
                "the file is empty".to_string()
            } else {
                "the file does not start with front matter".to_string()
            },
            hint: Some(
                "start the file with a line `---`, the YAML front matter, and another `---`"
                    .to_string(),
            ),
        });
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (index, line) in lines.enumerate() {
        let fence = line.trim_end();
        if fence == "---" || fence == "..." {
            let body_start = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: index + 3,
            });
        }
        offset += line.len();
    }
    Err(FrontMatterError {
        line: 1,
        column: 1,
        message: "the front matter that starts here is never closed".to_string(),
        hint: Some("add a line `---` after the last front-matter key".to_string()),
    })
}

/// Deserialises front matter into `T`, with errors placed in the file (`yaml_line` is
/// [`Split::yaml_line`]).
///
/// The happy path parses once, without tracking where in `T` the parser is: that tracking
/// (`serde_path_to_error`) costs a third of the parse and only feeds error messages, so a
/// file that fails is parsed a second time with it ([`failing_path`]).
pub fn parse<T: DeserializeOwned>(yaml: &str, yaml_line: usize) -> Result<T, FrontMatterError> {
    serde_saphyr::from_str_with_options(yaml, options()).map_err(|error| {
        let (error, path) = failing_path::<T>(yaml).unwrap_or((error, String::new()));
        locate(&error, &path, yaml_line)
    })
}

/// Types the [`simple`] fast path can read.
pub trait FromSimple: DeserializeOwned {
    /// `None` when the document has a field or a value the fast path does not read; it must
    /// give exactly what deserialising the same YAML with serde-saphyr gives otherwise.
    fn from_simple(map: &simple::Map<'_>) -> Option<Self>;
}

/// [`parse`], reading simple YAML without the full parser.
pub fn parse_fast<T: FromSimple>(yaml: &str, yaml_line: usize) -> Result<T, FrontMatterError> {
    match simple::parse(yaml).and_then(|map| T::from_simple(&map)) {
        Some(value) => Ok(value),
        None => parse(yaml, yaml_line),
    }
}

/// The parser settings: the default budgets (against alias bombs, deep nesting and huge
/// documents), no source snippets in messages, and NaN/infinity refused.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.non_finite_float_policy = serde_saphyr::NonFiniteFloatPolicy::Reject;
    options
}

/// Parses front matter that failed again, tracking the path to the failing field (`tags[1]`).
/// Parsing is deterministic, so this finds the same error; `None` if it somehow succeeds.
fn failing_path<T: DeserializeOwned>(yaml: &str) -> Option<(serde_saphyr::Error, String)> {
    let mut path = String::new();
    let result = serde_saphyr::with_deserializer_from_str_with_options(yaml, options(), |de| {
        serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
            path = e.path().to_string();
            e.into_inner()
        })
    });
    result.err().map(|error| (error, path))
}

/// A parser error as a message and hint at its place in the file.
fn locate(error: &serde_saphyr::Error, path: &str, yaml_line: usize) -> FrontMatterError {
    let (line, column) = error
        .location()
        .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
    let (message, hint) = describe(&error.without_snippet().to_string(), path);
    FrontMatterError {
        line: line.max(1) + yaml_line - 1,
        column: column.max(1),
        message,
        hint,
    }
}

/// A location converted to file coordinates, for semantic checks on [`Spanned`] values.
pub fn file_position<T>(value: &Spanned<T>, yaml_line: usize) -> (usize, usize) {
    (value.line.max(1) + yaml_line - 1, value.column.max(1))
}

/// Turns the parser's wording into a message and a hint for an editor.
fn describe(raw: &str, path: &str) -> (String, Option<String>) {
    if raw.contains("budget breached") {
        return (
            "the front matter is too large once its aliases are expanded".to_string(),
            Some("YAML anchors and aliases may not expand beyond casebook's limits; write the values out".to_string()),
        );
    }
    let message = strip_location(raw);
    let path = clean_path(path);
    if let Some((msg, hint)) = explain_unknown_field(&message) {
        return (msg, Some(hint));
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        let place = if path.is_empty() || path == "." {
            String::new()
        } else {
            format!(" in `{path}`")
        };
        return (
            format!("missing field `{field}`{place}"),
            Some(format!(
                "add `{field}: …`; see `casebook schema` for every field"
            )),
        );
    }
    if message.starts_with("duplicate mapping key") {
        let key = message
            .split_once(": ")
            .map(|(_, k)| k.split(',').next().unwrap_or(k))
            .unwrap_or("?");
        return (
            format!("duplicate key `{key}`"),
            Some("keep one of the two".to_string()),
        );
    }
    let hint = if message.contains("tab") {
        Some("indent YAML with spaces, not tabs".to_string())
    } else if message.contains("limit") || message.contains("budget") {
        Some("the front matter is too large or too deeply nested; simplify it".to_string())
    } else {
        None
    };
    let message = if path.is_empty() || path == "." || path == "?" {
        message
    } else {
        format!("`{path}`: {message}")
    };
    (message, hint)
}

/// serde-saphyr appends " at line N, column M"; the diagnostic shows the place itself.
fn strip_location(message: &str) -> String {
    let message = message.lines().next().unwrap_or(message);
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(", column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

/// `serde_path_to_error` sees the `value` field of each [`Spanned`] wrapper; hide it.
fn clean_path(path: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_wrapper = false;
    for segment in path.split('.') {
        match segment.strip_prefix("value") {
            Some(rest) if in_wrapper => {
                if let Some(last) = out.last_mut() {
                    last.push_str(rest);
                }
                in_wrapper = false;
            }
            _ => {
                in_wrapper = is_spanned_field(segment);
                out.push(segment.to_string());
            }
        }
    }
    out.join(".")
}

fn is_spanned_field(segment: &str) -> bool {
    let name = segment.split('[').next().unwrap_or(segment);
    segment.ends_with(']') && matches!(name, "tags" | "metrics")
        || matches!(segment, "id" | "title" | "region" | "department" | "date")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        title: Spanned<String>,
        #[serde(default)]
        #[allow(dead_code)]
        tags: Vec<Spanned<String>>,
        #[serde(default)]
        #[allow(dead_code)]
        n: Option<f64>,
    }

    #[test]
    fn splits_front_matter_and_body() {
        let s = split("---\ntitle: a\n---\n# Body\n").unwrap();
        assert_eq!(s.yaml, "title: a\n");
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn missing_or_unclosed_front_matter() {
        assert!(split("# no front matter")
            .unwrap_err()
            .message
            .contains("does not start"));
        assert!(split("").unwrap_err().message.contains("empty"));
        assert!(split("---\ntitle: a\n")
            .unwrap_err()
            .message
            .contains("never closed"));
    }

    #[test]
    fn errors_are_in_file_coordinates() {
        let err = parse::<Doc>("title: a\ntitel: b\n", 2).unwrap_err();
        assert_eq!((err.line, err.column), (3, 1));
        assert_eq!(err.message, "unknown field `titel`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn type_errors_name_the_field() {
        let err = parse::<Doc>("title: a\ntags: [x, [y]]\n", 2).unwrap_err();
        assert!(err.message.starts_with("`tags[1]`"), "{}", err.message);
        assert_eq!(err.line, 3);
    }

    #[test]
    fn spanned_wrappers_are_hidden_from_paths() {
        assert_eq!(clean_path("metrics[0].value.value"), "metrics[0].value");
        assert_eq!(clean_path("tags[1].value[0]"), "tags[1][0]");
        assert_eq!(clean_path("id.value"), "id");
        assert_eq!(clean_path("extra.value"), "extra.value");
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_panic() {
        let deep = format!("title: {}", "[".repeat(10_000));
        assert!(parse::<Doc>(&deep, 2).is_err());
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ntitle: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        assert!(parse::<Doc>(bomb, 2).is_err());
        assert!(parse::<Doc>("title: a\ntitle: b\n", 2)
            .unwrap_err()
            .message
            .contains("duplicate"));
        assert!(parse::<Doc>("title: a\n\ttags: []\n", 2).is_err());
    }
}
