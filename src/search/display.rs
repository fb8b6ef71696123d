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

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

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

/// What a result shows: URL, encoded title, region and department (indexes into the root's
/// names), encoded text.
#[derive(Serialize)]
struct Entry<'a>(&'a str, String, u32, u32, String);

/// Makes the display shards, handing each [`super::FILE_GROUP`] of them to `sink` with the
/// first one's number as soon as they are made.
pub fn build<R: Send>(
    cases: &[Case],
    facets: &Facets,
    sink: impl Fn(usize, Vec<String>) -> R + Sync,
) -> Display<R> {
    let table = CharTable::new(cases);
    let entry = |case: &Case| {
        json(&Entry(
            &case.url,
            table.encode(&case.title),
            facets.region_index(&case.region),
            facets.department_index(&case.department),
            table.encode(&snippet_text(case)),
        ))
    };
    // Cases per shard from the size of a sample's entries: the shards are then made whole,
    // never holding every entry and every shard at once.
    let sample = &cases[..cases.len().min(SAMPLE)];
    let sampled: usize = sample.par_iter().map(|c| entry(c).len() + 1).sum();
    let per_shard = (DISPLAY_TARGET_BYTES * sample.len().max(1) / sampled.max(1)).max(1);
    let group = super::FILE_GROUP;
    let shards = cases
        .par_chunks(per_shard * group)
        .enumerate()
        .map(|(g, cases)| {
            let shards = cases.chunks(per_shard).map(|chunk| {
                let entries: Vec<String> = chunk.iter().map(entry).collect();
                format!("[{}]", entries.join(","))
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

/// The summary, then the rest of the body, whitespace runs as one space, cut to
/// [`SNIPPET_TEXT_CHARS`] characters.
pub fn snippet_text(case: &Case) -> String {
    let body = super::body_without_summary(&case.summary, &case.rendered.text);
    snippet_of(&case.summary, &body)
}

fn snippet_of(summary: &str, body: &str) -> String {
    let mut out = String::with_capacity(SNIPPET_TEXT_CHARS * 3);
    let mut count = 0;
    let mut space = false;
    for c in summary.chars().chain(['\n']).chain(body.chars()) {
        if c.is_whitespace() {
            space = count > 0;
            continue;
        }
        if count + usize::from(space) + 1 > SNIPPET_TEXT_CHARS {
            break;
        }
        if std::mem::take(&mut space) {
            out.push(' ');
            count += 1;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// The characters of every title and snippet text, most frequent first (ties in code point
/// order, so the table is the same on every build).
struct CharTable {
    chars: Vec<char>,
    /// Ranks of the characters below U+10000 by code point (`u32::MAX`: not in the table).
    rank: Vec<u32>,
    other: HashMap<char, u32>,
}

impl CharTable {
    /// Counted over every title and the texts of a sample of [`TABLE_SAMPLE`] cases spread
    /// over the collection: a character the sample misses is written as an escape.
    fn new(cases: &[Case]) -> Self {
        let step = cases.len().div_ceil(TABLE_SAMPLE).max(1);
        let counts = cases
            .par_iter()
            .enumerate()
            .fold(HashMap::new, |mut counts: HashMap<char, u64>, (i, case)| {
                let text = if i % step == 0 {
                    snippet_text(case)
                } else {
                    String::new()
                };
                for c in case.title.chars().chain(text.chars()) {
                    *counts.entry(c).or_default() += 1;
                }
                counts
            })
            .reduce(HashMap::new, |mut a, b| {
                for (c, n) in b {
                    *a.entry(c).or_default() += n;
                }
                a
            });
        CharTable::from_counts(counts)
    }

    fn from_counts(counts: HashMap<char, u64>) -> Self {
        let mut ranked: Vec<(char, u64)> = counts.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let chars: Vec<char> = ranked.into_iter().map(|(c, _)| c).collect();
        let mut rank = vec![u32::MAX; 0x1_0000];
        let mut other = HashMap::new();
        for (i, &c) in chars.iter().enumerate() {
            match rank.get_mut(c as usize) {
                Some(slot) => *slot = i as u32,
                None => {
                    other.insert(c, i as u32);
                }
            }
        }
        CharTable { chars, rank, other }
    }

    /// Each character as its rank, or, when the table lacks it, as the table's length plus
    /// its code point.
    fn encode(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            let rank = match self.rank.get(c as usize) {
                Some(&rank) => Some(rank).filter(|&r| r != u32::MAX),
                None => self.other.get(&c).copied(),
            };
            let escape = || self.chars.len() as u32 + c as u32;
            encode::push(&mut out, rank.unwrap_or_else(escape));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(texts: &[&str]) -> CharTable {
        let mut counts: HashMap<char, u64> = HashMap::new();
        texts
            .iter()
            .flat_map(|t| t.chars())
            .for_each(|c| *counts.entry(c).or_default() += 1);
        CharTable::from_counts(counts)
    }

    #[test]
    fn frequent_characters_take_one_byte() {
        let t = table(&["审批审批审批", "批"]);
        assert_eq!(t.chars, ['批', '审']);
        assert_eq!(t.encode("批审批"), "010");
        let decoded: String = encode::decode(&t.encode("审批"))
            .unwrap()
            .into_iter()
            .map(|r| t.chars[r as usize])
            .collect();
        assert_eq!(decoded, "审批");
    }

    #[test]
    fn characters_missing_from_the_table_are_escaped() {
        let t = table(&["批"]);
        let n = encode::decode(&t.encode("批𠀀审")).unwrap();
        assert_eq!(n, [0, 1 + 0x20000, 1 + '审' as u32]);
    }

    #[test]
    fn snippet_text_collapses_whitespace_and_is_cut() {
        assert_eq!(
            snippet_of("  摘要\n", "正文  第一段\n\n第二段 "),
            "摘要 正文 第一段 第二段"
        );
        assert_eq!(snippet_of("", "正文"), "正文");
        let long = "字".repeat(SNIPPET_TEXT_CHARS + 10);
        assert_eq!(
            snippet_of("摘要", &long).chars().count(),
            SNIPPET_TEXT_CHARS
        );
    }
}
