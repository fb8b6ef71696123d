//! The simple YAML nearly all front matter is written in, read without the YAML parser.
//!
//! serde-saphyr spends about 20 µs on a ten-line front matter, more than everything else in
//! loading a case but its Markdown. Front matter written by hand, by `casebook new` or by
//! `casebook import` almost always has the same few shapes: `key: value` lines, tags in
//! brackets or as `- item` lines, and metrics as a list of flat mappings. This module reads
//! exactly that subset and gives up (`None`) on anything else — comments after a value, escapes,
//! anchors and aliases, tags, block or multi-line scalars, flow mappings, tabs, unusual
//! characters, duplicate keys, a large document. Giving up is always safe: the caller then runs
//! the full parser, which also produces every error message. What this module does accept, it
//! reads exactly as serde-saphyr does, values and node positions alike (the tests compare the
//! two on many documents).

use super::Spanned;

/// Front matter larger than this goes to the full parser, whose budgets bound its cost.
const MAX_BYTES: usize = 16 * 1024;

/// YAML's indicator characters: a plain scalar must not start with one.
const INDICATORS: &str = "-?:,[]{}#&*!|>'\"%@`";

/// A node of the document and where serde-saphyr locates it: a scalar at its first character
/// (the opening quote, if quoted), a mapping in a list at its first key.
pub struct Node<'a> {
    /// 1-based line in the YAML and 1-based column, counted in characters.
    line: usize,
    column: usize,
    kind: Kind<'a>,
}

enum Kind<'a> {
    /// An unquoted scalar, trailing spaces removed.
    Plain(&'a str),
    /// A one-line quoted scalar without escapes: the text between the quotes.
    Quoted(&'a str),
    Seq(Vec<Node<'a>>),
    Map(Map<'a>),
}

/// A mapping with distinct keys, in document order.
#[derive(Default)]
pub struct Map<'a> {
    entries: Vec<(&'a str, Node<'a>)>,
}

/// What an untyped field (serde's `deserialize_any`) reads from a scalar, where that is certain.
pub enum Untyped<'a> {
    Int(i64),
    Str(&'a str),
}

/// Reads `yaml` if it is all simple YAML: a mapping of `key: value` lines.
pub fn parse(yaml: &str) -> Option<Map<'_>> {
    if yaml.len() > MAX_BYTES || !yaml.chars().all(is_simple_char) {
        return None;
    }
    let lines = significant_lines(yaml);
    let mut map = Map::default();
    let mut next = 0;
    while let Some(line) = lines.get(next) {
        if line.indent != 0 {
            return None;
        }
        let entry = Entry::split(line.text, 1)?;
        next += 1;
        let value = if entry.rest.is_empty() {
            let (seq, after) = block_seq(&lines, next)?;
            next = after;
            seq
        } else {
            inline_value(entry.rest, line.number, entry.rest_column)?
        };
        map.insert(entry.key, value)?;
    }
    Some(map)
}

impl<'a> Map<'a> {
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &Node<'a>)> + '_ {
        self.entries.iter().map(|(key, node)| (*key, node))
    }

    /// Adds an entry; `None` if the key is already there (serde-saphyr refuses duplicates).
    fn insert(&mut self, key: &'a str, node: Node<'a>) -> Option<()> {
        if self.entries.iter().any(|(k, _)| *k == key) {
            return None;
        }
        self.entries.push((key, node));
        Some(())
    }
}

impl<'a> Node<'a> {
    /// The node as a `String` field reads it: any scalar but a plain null (`~`, `null`).
    pub fn string(&self) -> Option<String> {
        match self.kind {
            Kind::Quoted(text) => Some(text.to_string()),
            Kind::Plain(text) if !is_null(text) => Some(text.to_string()),
            _ => None,
        }
    }

    /// A plain decimal number as an `f64` field reads it (serde-saphyr, too, uses Rust's
    /// `str::parse`); other spellings (`1e3`, `.5`, `.nan`) go to the full parser.
    pub fn float(&self) -> Option<f64> {
        match self.kind {
            Kind::Plain(text) if is_decimal(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// `true` or `false`, as a `bool` field reads them.
    pub fn boolean(&self) -> Option<bool> {
        match self.kind {
            Kind::Plain("true") => Some(true),
            Kind::Plain("false") => Some(false),
            _ => None,
        }
    }

    /// A plain scalar's text, for a unit enum variant.
    pub fn word(&self) -> Option<&'a str> {
        match self.kind {
            Kind::Plain(text) => Some(text),
            _ => None,
        }
    }

    /// The node as an untyped field reads it: a quoted scalar is a string; a plain one an
    /// integer if written as one, a string if it starts with a letter and is not a boolean
    /// or null word (`yes`, `off`, `null`, …); anything else is left to the full parser.
    pub fn untyped(&self) -> Option<Untyped<'a>> {
        match self.kind {
            Kind::Quoted(text) => Some(Untyped::Str(text)),
            Kind::Plain(text) if is_unsigned_integer(text) => text.parse().ok().map(Untyped::Int),
            Kind::Plain(text) if text.starts_with(char::is_alphabetic) && !is_keyword(text) => {
                Some(Untyped::Str(text))
            }
            _ => None,
        }
    }

    pub fn items(&self) -> Option<&[Node<'a>]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn map(&self) -> Option<&Map<'a>> {
        match &self.kind {
            Kind::Map(map) => Some(map),
            _ => None,
        }
    }

    /// What `read` makes of the node, with the node's place.
    pub fn spanned<T>(&self, read: impl FnOnce(&Self) -> Option<T>) -> Option<Spanned<T>> {
        Some(Spanned {
            value: read(self)?,
            line: self.line,
            column: self.column,
        })
    }
}

/// A line with content: not blank, not a comment.
#[derive(Clone, Copy)]
struct Line<'a> {
    number: usize,
    indent: usize,
    /// The line after its indentation.
    text: &'a str,
}

fn significant_lines(yaml: &str) -> Vec<Line<'_>> {
    yaml.split('\n')
        .enumerate()
        .filter_map(|(index, raw)| {
            let text = raw.trim_start_matches(' ');
            let blank = text.is_empty() || text.starts_with('#');
            (!blank).then_some(Line {
                number: index + 1,
                indent: raw.len() - text.len(),
                text,
            })
        })
        .collect()
}

/// `key: rest` on one line.
struct Entry<'a> {
    key: &'a str,
    /// The value as written, without leading spaces; empty if the value is on the next lines.
    rest: &'a str,
    rest_column: usize,
}

impl<'a> Entry<'a> {
    /// Splits `text`, which starts at `column`, into key and value; `None` unless the key is
    /// a plain identifier followed by `:` and a space or the end of the line.
    fn split(text: &'a str, column: usize) -> Option<Entry<'a>> {
        let colon = text.find(':')?;
        let key = &text[..colon];
        let after = &text[colon + 1..];
        if !is_simple_key(key) || !(after.is_empty() || after.starts_with(' ')) {
            return None;
        }
        let rest = after.trim_start_matches(' ');
        Some(Entry {
            key,
            rest,
            // The key and the spaces are ASCII: bytes are characters.
            rest_column: column + colon + 1 + (after.len() - rest.len()),
        })
    }
}

/// A block sequence whose first item is `lines[start]`, and the index of the line after it.
fn block_seq<'a>(lines: &[Line<'a>], start: usize) -> Option<(Node<'a>, usize)> {
    let first = lines.get(start)?;
    let indent = first.indent;
    let mut items = Vec::new();
    let mut next = start;
    while let Some(line) = lines.get(next) {
        if line.indent < indent || line.indent == indent && !is_item(line.text) {
            break;
        }
        if line.indent > indent {
            return None;
        }
        let rest = &line.text[1..];
        let content = rest.trim_start_matches(' ');
        let spaces = rest.len() - content.len();
        if content.is_empty() {
            return None;
        }
        let column = indent + spaces + 2;
        next += 1;
        let item = if content.starts_with(['"', '\'']) || !content.contains(':') {
            scalar(content, line.number, column, false)?
        } else {
            let (map, after) = item_map(lines, next, content, line.number, column)?;
            next = after;
            map
        };
        items.push(item);
    }
    (!items.is_empty()).then_some((
        Node {
            line: first.number,
            column: indent + 1,
            kind: Kind::Seq(items),
        },
        next,
    ))
}

/// A mapping that is a list item: its first entry is `content` (at `line`, `column`), the
/// others are the following lines indented to `column`. Returns the index of the line after it.
fn item_map<'a>(
    lines: &[Line<'a>],
    start: usize,
    content: &'a str,
    line: usize,
    column: usize,
) -> Option<(Node<'a>, usize)> {
    let mut map = Map::default();
    let first = Entry::split(content, column)?;
    map.insert(
        first.key,
        inline_value(first.rest, line, first.rest_column)?,
    )?;
    let mut next = start;
    while let Some(entry_line) = lines.get(next) {
        if entry_line.indent + 1 < column {
            break;
        }
        if entry_line.indent + 1 > column {
            return None;
        }
        let entry = Entry::split(entry_line.text, column)?;
        let value = inline_value(entry.rest, entry_line.number, entry.rest_column)?;
        map.insert(entry.key, value)?;
        next += 1;
    }
    let node = Node {
        line,
        column,
        kind: Kind::Map(map),
    };
    Some((node, next))
}

/// A value on the rest of its line: a scalar or a one-line flow sequence (`[a, b]`).
fn inline_value(text: &str, line: usize, column: usize) -> Option<Node<'_>> {
    if text.is_empty() {
        None
    } else if text.starts_with('[') {
        flow_seq(text, line, column)
    } else {
        scalar(text, line, column, false)
    }
}

/// `[a, "b", c]` on one line: plain or quoted scalars, nothing nested.
fn flow_seq(text: &str, line: usize, column: usize) -> Option<Node<'_>> {
    let inner = text
        .trim_end_matches(' ')
        .strip_prefix('[')?
        .strip_suffix(']')?;
    let mut items = Vec::new();
    if !inner.trim_matches(' ').is_empty() {
        // Column of the character after `[`, then of each piece between commas.
        let mut piece_column = column + 1;
        for piece in inner.split(',') {
            let content = piece.trim_start_matches(' ');
            let item_column = piece_column + (piece.len() - content.len());
            items.push(scalar(content, line, item_column, true)?);
            piece_column += piece.chars().count() + 1;
        }
    }
    Some(Node {
        line,
        column,
        kind: Kind::Seq(items),
    })
}

/// A one-line scalar that is all of `text` but trailing spaces.
fn scalar(text: &str, line: usize, column: usize, in_flow: bool) -> Option<Node<'_>> {
    let text = text.trim_end_matches(' ');
    let kind = match text.chars().next()? {
        quote @ ('"' | '\'') => Kind::Quoted(quoted(text, quote)?),
        _ => Kind::Plain(plain(text, in_flow)?),
    };
    Some(Node { line, column, kind })
}

/// The text of `"…"` or `'…'` if it needs no unescaping: no `\` in double quotes, no `''` in
/// single quotes, and nothing after the closing quote.
fn quoted(text: &str, quote: char) -> Option<&str> {
    let inner = text[1..].strip_suffix(quote)?;
    let escaped = inner.contains(quote) || quote == '"' && inner.contains('\\');
    (!escaped).then_some(inner)
}

/// A plain scalar that is certainly all of `text`: it does not start with an indicator (but
/// `-` before a digit), and holds no `#` or `:` (comments and mapping keys), nor, in a flow
/// sequence, flow indicators.
fn plain(text: &str, in_flow: bool) -> Option<&str> {
    let starts_well = match text.strip_prefix('-') {
        Some(rest) => rest.starts_with(|c: char| c.is_ascii_digit()),
        None => !text.starts_with(|c| INDICATORS.contains(c)),
    };
    let flow_indicator = in_flow && text.contains([',', '[', ']', '{', '}']);
    let inner_well = !text.contains(['#', ':']) && !flow_indicator;
    (starts_well && inner_well).then_some(text)
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

fn is_simple_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Characters the fast path reads as themselves: printable, not a tab, and not the BOM or a
/// character some YAML versions treat as a line break (NEL, LS, PS).
fn is_simple_char(c: char) -> bool {
    matches!(c as u32,
        0x0A | 0x20..=0x7E | 0xA0..=0x2027 | 0x202A..=0xD7FF | 0xE000..=0xFEFE | 0xFF00..=0xFFFD
            | 0x1_0000..=0x10_FFFF)
}

/// Plain scalars a `String` field refuses as null.
fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

/// Words an untyped field reads as a boolean (YAML 1.1) or null.
fn is_keyword(text: &str) -> bool {
    is_null(text)
        || ["true", "false", "yes", "no", "y", "n", "on", "off"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
}

/// `0` or digits without a leading zero.
fn is_unsigned_integer(text: &str) -> bool {
    text == "0" || text.starts_with(|c: char| matches!(c, '1'..='9')) && all_digits(text)
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`
fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    is_unsigned_integer(whole) && fraction.is_none_or(|f| !f.is_empty() && all_digits(f))
}

fn all_digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(node: &Node<'_>) -> (usize, usize) {
        (node.line, node.column)
    }

    #[test]
    fn nodes_are_placed_in_characters() {
        let map = parse(
            "id: 12\ntags: [并联审批,  告知承诺 , \"政务\"]\nm:\n  -   name: 减免\n      unit: x\n",
        )
        .expect("simple");
        let entries: Vec<_> = map.iter().collect();
        assert_eq!(place(entries[0].1), (1, 5));
        let tags = entries[1].1.items().expect("a list");
        let tag_places: Vec<_> = tags.iter().map(place).collect();
        assert_eq!(tag_places, [(2, 8), (2, 15), (2, 22)]);
        assert_eq!(tags[1].string().as_deref(), Some("告知承诺"));
        let metric = &entries[2].1.items().expect("a list")[0];
        assert_eq!(place(metric), (4, 7));
        let name = metric
            .map()
            .expect("a mapping")
            .iter()
            .next()
            .expect("name")
            .1;
        assert_eq!(place(name), (4, 13));
    }

    #[test]
    fn anything_unusual_is_left_to_the_full_parser() {
        for yaml in [
            "a: 1\na: 2\n",
            "a: x # comment\n",
            "a: \"x\\ty\"\n",
            "a: &anchor x\n",
            "a: |\n  block\n",
            "a: {b: 1}\n",
            "a: b\n  continued\n",
            "a:\tb\n",
            "a:\n  b: 1\n",
            "a:\n",
        ] {
            assert!(parse(yaml).is_none(), "{yaml}");
        }
        assert!(parse(&format!("a: {}\n", "x".repeat(MAX_BYTES))).is_none());
    }

    #[test]
    fn scalars_read_as_their_fields_do() {
        let map = parse("a: 1022\nb: -4.5\nc: ~\nd: yes\ne: '007'\n").expect("simple");
        let nodes: Vec<_> = map.iter().map(|(_, node)| node).collect();
        assert_eq!(nodes[0].float(), Some(1022.0));
        assert_eq!(nodes[1].float(), Some(-4.5));
        assert_eq!(nodes[2].string(), None);
        assert!(nodes[3].untyped().is_none(), "a YAML 1.1 boolean");
        assert_eq!(nodes[3].string().as_deref(), Some("yes"));
        assert!(matches!(nodes[4].untyped(), Some(Untyped::Str("007"))));
        assert!(matches!(nodes[0].untyped(), Some(Untyped::Int(1022))));
    }
}
