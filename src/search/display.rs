//! What a result shows: URL, title, region, department and text for the snippet, in shards
//! of consecutive cases, loaded only for the results on screen.
//!
//! The text is the biggest part of the index, so it is made small three ways. A summary taken
//! from the body's first paragraph is not kept twice ([`super::body_without_summary`]).
//! Whitespace runs become one space (the client's snippets collapse them anyway). And titles
//! and texts are written as numbers: every character is replaced by its rank in a table of
//! the collection's characters, most frequent first (`t-<build>.js`), with the 5-bit digits
//! of [`super::encode`]. Chinese text, three bytes a character in UTF-8, then takes one or
//! two: the 32 most frequent characters one byte, the next 992 two. The table is counted on
//! every title and a sample of texts; a character it lacks is written as the table's length
//! plus its code point.

use rayon::prelude::*;

use super::fx::FxMap;
use super::{encode, json, Facets};
use crate::content::case::Case;

/// Display data bytes aimed at per display shard.
const DISPLAY_TARGET_BYTES: usize = 8 * 1024;
/// Cases whose entries' size sets the cases per display shard.
const SAMPLE: usize = 256;
/// Cases whose texts make the character table.
const TABLE_SAMPLE: usize = 1024;
/// Characters of case text kept for snippets.
pub const SNIPPET_TEXT_CHARS: usize = 1500;

/// What became of the display shards (whatever the caller's `sink` made of each), the cases
/// per shard, and the character table's JSON.
pub struct Display<R> {
    pub shards: Vec<R>,
    pub per_shard: usize,
    pub table: String,
}

/// Makes the display shards, handing each [`super::FILE_GROUP`] of them to `sink` with the
/// first one's number as soon as they are made.
pub fn build<R: Send>(
    cases: &[Case],
    facets: &Facets,
    sink: impl Fn(usize, Vec<String>) -> R + Sync,
) -> Display<R> {
    let table = CharTable::new(cases);
    let entry = |out: &mut Vec<u8>, case: &Case| push_entry(out, case, &table, facets);
    // Cases per shard from the size of a sample's entries: the shards are then made whole,
    // never holding every entry and every shard at once.
    let sample = &cases[..cases.len().min(SAMPLE)];
    let sampled: usize = sample
        .par_iter()
        .map(|c| {
            let mut out = Vec::new();
            entry(&mut out, c);
            out.len() + 1
        })
        .sum();
    let per_shard = (DISPLAY_TARGET_BYTES * sample.len().max(1) / sampled.max(1)).max(1);
    let group = super::FILE_GROUP;
    let shards = cases
        .par_chunks(per_shard * group)
        .enumerate()
        .map(|(g, cases)| {
            let shards = cases.chunks(per_shard).map(|chunk| {
                let mut shard = Vec::with_capacity(DISPLAY_TARGET_BYTES * 5 / 4);
                shard.push(b'[');
                for (i, case) in chunk.iter().enumerate() {
                    if i > 0 {
                        shard.push(b',');
                    }
                    entry(&mut shard, case);
                }
                shard.push(b']');
                String::from_utf8(shard).expect("entries are JSON text")
            });
            sink(g * group, shards.collect())
        })
        .collect();
    Display {
        shards,
        per_shard,
        table: json(&table.chars.iter().collect::<String>()),
    }
}

/// Appends what a result shows, as a JSON array: URL, encoded title, region and department
/// (indexes into the root's names), encoded text. Written by hand rather than by serde: the
/// encoded strings are digits of [`encode::ALPHABET`], which JSON needs no escape for, and
/// they are most of the index's bytes.
fn push_entry(out: &mut Vec<u8>, case: &Case, table: &CharTable, facets: &Facets) {
    out.push(b'[');
    out.extend_from_slice(json(&case.url).as_bytes());
    out.extend_from_slice(b",\"");
    table.encode_into(out, case.title.chars());
    out.extend_from_slice(b"\",");
    out.extend_from_slice(facets.region_index(&case.region).to_string().as_bytes());
    out.push(b',');
    out.extend_from_slice(
        facets
            .department_index(&case.department)
            .to_string()
            .as_bytes(),
    );
    out.extend_from_slice(b",\"");
    for_each_snippet_char(case, |c| table.push_char(out, c));
    out.extend_from_slice(b"\"]");
}

/// Calls `emit` with every character of the case's snippet text: the summary, then the rest
/// of the body, whitespace runs as one space, cut to [`SNIPPET_TEXT_CHARS`] characters. The
/// body is read in place (the summary's two sides), and only as far as the cut.
fn for_each_snippet_char(case: &Case, emit: impl FnMut(char)) {
    let body = super::body_around_summary(case, &case.rendered.text);
    snippet_of(&case.summary, body, emit)
}

/// The snippet's characters from the summary and the body's two parts (see
/// [`super::body_around_summary`]).
fn snippet_of(summary: &str, body: (&str, Option<&str>), mut emit: impl FnMut(char)) {
    let (before, after) = body;
    let separator = if after.is_some() { "\n" } else { "" };
    let mut snippet = Snippet::default();
    for part in [summary, "\n", before, separator, after.unwrap_or_default()] {
        if !snippet.feed(part, &mut emit) {
            return;
        }
    }
}

/// A snippet text being made: its length in characters, and whether a space is due before
/// the next character.
#[derive(Default)]
struct Snippet {
    count: usize,
    space: bool,
}

impl Snippet {
    /// Hands the characters of `text` on; false once the snippet is full.
    fn feed(&mut self, text: &str, emit: &mut impl FnMut(char)) -> bool {
        for c in text.chars() {
            if is_whitespace(c) {
                self.space = self.count > 0;
                continue;
            }
            if self.count + usize::from(self.space) + 1 > SNIPPET_TEXT_CHARS {
                return false;
            }
            if std::mem::take(&mut self.space) {
                emit(' ');
                self.count += 1;
            }
            emit(c);
            self.count += 1;
        }
        true
    }
}

/// `c.is_whitespace()`, answered at once for the characters above U+3000, the last white
/// space character (every CJK character).
fn is_whitespace(c: char) -> bool {
    c <= '\u{3000}' && c.is_whitespace()
}

/// The characters of every title and snippet text, most frequent first (ties in code point
/// order, so the table is the same on every build).
struct CharTable {
    chars: Vec<char>,
    /// What the characters below U+10000 are written as, by code point: the digits of
    /// their rank or escape, looked up rather than encoded for every character of every text.
    codes: Vec<Code>,
    /// The ranks of the characters above.
    other: FxMap<char, u32>,
}

/// A character's digits (the first `len`); `len` 0 when there are more than four (ranks
/// below U+10000 never have more; only an escape in a table of a million characters would).
#[derive(Clone, Copy)]
struct Code {
    digits: [u8; 4],
    len: u8,
}

/// Character counts: in an array for the Basic Multilingual Plane (all of Chinese text but
/// rare ideographs), in a map above it.
struct CharCounts {
    bmp: Vec<u64>,
    other: FxMap<char, u64>,
}

impl CharCounts {
    fn new() -> Self {
        CharCounts {
            bmp: vec![0; 0x1_0000],
            other: FxMap::default(),
        }
    }

    fn add(&mut self, c: char) {
        match self.bmp.get_mut(c as usize) {
            Some(count) => *count += 1,
            None => *self.other.entry(c).or_default() += 1,
        }
    }

    fn merge(mut self, other: CharCounts) -> CharCounts {
        for (count, n) in self.bmp.iter_mut().zip(other.bmp) {
            *count += n;
        }
        for (c, n) in other.other {
            *self.other.entry(c).or_default() += n;
        }
        self
    }

    fn into_map(self) -> FxMap<char, u64> {
        let mut map = self.other;
        let counted = self.bmp.into_iter().enumerate().filter(|&(_, n)| n > 0);
        map.extend(counted.filter_map(|(c, n)| Some((char::from_u32(c as u32)?, n))));
        map
    }
}

impl CharTable {
    /// Counted over every title and the texts of a sample of [`TABLE_SAMPLE`] cases spread
    /// over the collection: a character the sample misses is written as an escape.
    fn new(cases: &[Case]) -> Self {
        let step = cases.len().div_ceil(TABLE_SAMPLE).max(1);
        // A few runs of cases, each counted into its own array (a map lookup per character
        // was half of the display shards' cost on small sites), then added up.
        let run = cases.len().div_ceil(8).max(1);
        let counts = cases
            .par_chunks(run)
            .enumerate()
            .map(|(r, run_cases)| {
                let mut counts = CharCounts::new();
                for (j, case) in run_cases.iter().enumerate() {
                    case.title.chars().for_each(|c| counts.add(c));
                    if (r * run + j) % step == 0 {
                        for_each_snippet_char(case, |c| counts.add(c));
                    }
                }
                counts
            })
            .reduce(CharCounts::new, CharCounts::merge);
        CharTable::from_counts(counts.into_map())
    }

    fn from_counts(counts: FxMap<char, u64>) -> Self {
        let mut ranked: Vec<(char, u64)> = counts.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let chars: Vec<char> = ranked.into_iter().map(|(c, _)| c).collect();
        let escape = |c: u32| chars.len() as u32 + c;
        let mut rank: Vec<u32> = (0..0x1_0000).map(escape).collect();
        let mut other = FxMap::default();
        for (i, &c) in chars.iter().enumerate() {
            match rank.get_mut(c as usize) {
                Some(slot) => *slot = i as u32,
                None => {
                    other.insert(c, i as u32);
                }
            }
        }
        let codes = rank.into_iter().map(Code::of).collect();
        CharTable {
            chars,
            codes,
            other,
        }
    }

    /// Appends each character as its rank, or, when the table lacks it, as the table's length
    /// plus its code point.
    fn encode_into(&self, out: &mut Vec<u8>, text: impl Iterator<Item = char>) {
        text.for_each(|c| self.push_char(out, c));
    }

    /// Inlined: it runs for every character of every text, and a call was most of its cost.
    #[inline]
    fn push_char(&self, out: &mut Vec<u8>, c: char) {
        match self.codes.get(c as usize) {
            Some(code) if code.len > 0 => {
                // Four bytes at once, then cut to the code's length: cheaper than copying a
                // slice of varying length (a call to `memcpy`) or pushing byte by byte.
                out.extend_from_slice(&code.digits);
                out.truncate(out.len() - code.digits.len() + usize::from(code.len));
            }
            _ => self.push_other(out, c),
        }
    }

    /// A character above U+FFFF, or one whose code is too long for [`Code`]: rare, so out
    /// of the way of [`CharTable::push_char`].
    #[cold]
    fn push_other(&self, out: &mut Vec<u8>, c: char) {
        let rank = self.other.get(&c).copied();
        let escape = || self.chars.len() as u32 + c as u32;
        let (digits, len) = encode::digits(rank.unwrap_or_else(escape));
        out.extend_from_slice(&digits[..len]);
    }
}

impl Code {
    fn of(n: u32) -> Code {
        let (digits, len) = encode::digits(n);
        let mut code = Code {
            digits: [0; 4],
            len: 0,
        };
        if len <= code.digits.len() {
            code.digits[..len].copy_from_slice(&digits[..len]);
            code.len = len as u8;
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use super::super::Names;
    use super::*;

    fn table(texts: &[&str]) -> CharTable {
        let mut counts: FxMap<char, u64> = FxMap::default();
        texts
            .iter()
            .flat_map(|t| t.chars())
            .for_each(|c| *counts.entry(c).or_default() += 1);
        CharTable::from_counts(counts)
    }

    fn encode(table: &CharTable, text: &str) -> String {
        let mut out = Vec::new();
        table.encode_into(&mut out, text.chars());
        String::from_utf8(out).unwrap()
    }

    fn snippet(summary: &str, body: &str) -> String {
        let mut out = String::new();
        snippet_of(summary, (body, None), |c| out.push(c));
        out
    }

    #[test]
    fn frequent_characters_take_one_byte() {
        let t = table(&["审批审批审批", "批"]);
        assert_eq!(t.chars, ['批', '审']);
        assert_eq!(encode(&t, "批审批"), "010");
        let decoded: String = encode::decode(&encode(&t, "审批"))
            .unwrap()
            .into_iter()
            .map(|r| t.chars[r as usize])
            .collect();
        assert_eq!(decoded, "审批");
    }

    #[test]
    fn codes_too_long_for_the_table_are_encoded_when_written() {
        assert_eq!(Code::of(1 << 20).len, 0);
        let t = CharTable {
            chars: vec!['x'; 1 << 20],
            codes: vec![Code::of((1 << 20) + 'a' as u32); 0x1_0000],
            other: FxMap::default(),
        };
        assert_eq!(
            encode::decode(&encode(&t, "a")).unwrap(),
            [(1 << 20) + 'a' as u32]
        );
    }

    #[test]
    fn characters_missing_from_the_table_are_escaped() {
        let t = table(&["批"]);
        let n = encode::decode(&encode(&t, "批𠀀审")).unwrap();
        assert_eq!(n, [0, 1 + 0x20000, 1 + '审' as u32]);
    }

    #[test]
    fn white_space_is_what_the_standard_library_says() {
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            assert_eq!(is_whitespace(c), c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn snippet_text_collapses_whitespace_and_is_cut() {
        assert_eq!(
            snippet("  摘要\n", "正文  第一段\n\n第二段 "),
            "摘要 正文 第一段 第二段"
        );
        assert_eq!(snippet("", "正文"), "正文");
        let long = "字".repeat(SNIPPET_TEXT_CHARS + 10);
        assert_eq!(snippet("摘要", &long).chars().count(), SNIPPET_TEXT_CHARS);
    }

    #[test]
    fn a_body_read_around_its_summary_is_the_body_without_it() {
        let mut split = String::new();
        snippet_of("摘要", ("前 ", Some(" 后")), |c| split.push(c));
        assert_eq!(split, snippet("摘要", "前 \n 后"));
        assert_eq!(split, "摘要 前 后");
    }

    /// What [`push_entry`] writes by hand, as serde would write it.
    #[derive(serde::Serialize)]
    struct Entry<'a>(&'a str, String, u32, u32, String);

    #[test]
    fn entries_are_the_json_serde_writes() {
        let t = table(&["批审批", "a\"<"]);
        let facets = Facets {
            regions: Names::new(["江北", "r0"].into_iter()),
            departments: Names::new(["d"].into_iter()),
            tags: Names::new([].into_iter()),
            data: String::new(),
        };
        let front = "id: 1\ntitle: T\nregion: R\ndepartment: D\n";
        let fm = crate::content::front_matter::parse(front, 2).unwrap();
        let (mut case, _) =
            crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
        case.url = "cases/a\"b\\c<\u{2028}.html".into();
        case.title = "审批 a\"𠀀".into();
        case.region = "江北".into();
        case.department = "d".into();
        case.summary = "摘要".into();
        case.rendered.text = "正文\n摘要\n审批".into();
        let mut out = Vec::new();
        push_entry(&mut out, &case, &t, &facets);
        let out = String::from_utf8(out).unwrap();
        let mut text = String::new();
        for_each_snippet_char(&case, |c| text.push(c));
        assert_eq!(text, "摘要 正文 审批");
        let expected = json(&Entry(
            &case.url,
            encode(&t, &case.title),
            1,
            0,
            encode(&t, &text),
        ));
        assert_eq!(out, expected);
    }
}
