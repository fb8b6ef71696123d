//! The search index: built here at build time, queried in the browser by `static/search.js`.
//!
//! Three constraints shape it. Chinese must be searchable, so text is cut into character
//! bigrams ([`tokenize`]). The site must work opened from disk, where `fetch` and ES modules
//! are blocked, so every index file is a plain script that hands its data to
//! `__casebookSearch.register(build, name, data)`. And a collection of 10,000 cases must not
//! make a query download the whole index, so the index is split into shards:
//!
//! - `search/index.js`, the root: case count, shard counts, cases per display shard, names of
//!   facet values (field boosts are the client's). Its name is fixed so that pages do not
//!   change when only the index does (watch mode rewrites just the index, not every page);
//! - `search/p<k>-<build>.js`, postings: token → encoded (case, field, impact) list, the
//!   token's shard chosen by a stable hash of the token (of its first two characters for
//!   words, so that every word sharing a prefix lives in one shard and prefix matching needs
//!   one file);
//! - `search/q<k>-<build>.js`, the positions of the same entries, sharded the same way but
//!   loaded only to check adjacency for queries of several tokens;
//! - `search/f-<build>.js`, the region, department and tags of every case, for facet counts;
//! - `search/d<k>-<build>.js`, what a result shows (title, URL, text for the snippet), loaded
//!   only for the results on screen.
//!
//! `<build>` hashes the content of every index file and is registered with every file, so the
//! client never mixes one build's shards with another's. Ranking is BM25 per field; the length-normalised
//! term-frequency part is computed here and stored quantised with each posting, so the client
//! needs no per-case statistics. Positions let the client reward adjacent query tokens.

pub mod encode;
pub mod tokenize;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use crate::content::case::Case;
use crate::output::OutputFile;
use crate::site::Site;
use tokenize::{for_each_token, is_cjk, Mode};

/// Indexed fields, in the order their numbers are encoded (the client knows their boosts).
pub const FIELDS: [&str; 7] = [
    "title",
    "tags",
    "region",
    "department",
    "metrics",
    "summary",
    "body",
];
/// BM25 parameters.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Largest quantised term-frequency impact (fits one encoded digit).
const MAX_IMPACT: f64 = 31.0;
/// Postings bytes aimed at per shard; the shard count follows from the total.
const SHARD_TARGET_BYTES: usize = 8 * 1024;
const MAX_SHARDS: usize = 8192;
/// Display data bytes aimed at per display shard.
const DISPLAY_TARGET_BYTES: usize = 4 * 1024;
/// Characters of case text kept for snippets.
const SNIPPET_TEXT_CHARS: usize = 1500;
/// Positions kept per token, case and field: the first few. Adjacency is then found among
/// the first occurrences of each token; it keeps the position shards of common tokens small.
const MAX_POSITIONS: usize = 6;
/// Cases tokenised at once: bounds memory on large collections.
const CHUNK: usize = 512;

/// The index files, and the root file's path for the pages to load.
/// The root file's path: fixed, so pages need not change when only the index does.
pub const ROOT: &str = "search/index.js";

pub struct SearchIndex {
    pub root: String,
    pub files: Vec<OutputFile>,
}

/// Builds the search index of the site's cases.
pub fn build(site: &Site) -> SearchIndex {
    let cases = &site.content.cases;
    let fields: Vec<[String; 7]> = cases.par_iter().map(field_texts).collect();
    let lengths: Vec<[u32; 7]> = fields.par_iter().map(field_lengths).collect();
    let average = average_lengths(&lengths);
    let postings = postings(&fields, &lengths, &average);
    let impacts = shard_tokens(&postings, |p| &p.data);
    let positions = shard_tokens(&postings, |p| &p.positions);
    let facets = Facets::new(cases);
    let (display, per_display) = display_shards(cases);
    let root = Root {
        docs: cases.len(),
        shards: impacts.len(),
        position_shards: positions.len(),
        display_shard_cases: per_display,
        regions: &facets.regions,
        departments: &facets.departments,
        tags: &facets.tags,
    };
    let root_json = json(&root);
    let mut parts: Vec<(String, String)> = Vec::new();
    parts.extend(
        impacts
            .into_iter()
            .enumerate()
            .map(|(k, d)| (format!("p{k}"), d)),
    );
    parts.extend(
        positions
            .into_iter()
            .enumerate()
            .map(|(k, d)| (format!("q{k}"), d)),
    );
    parts.extend(
        display
            .into_iter()
            .enumerate()
            .map(|(k, d)| (format!("d{k}"), d)),
    );
    parts.push(("f".to_string(), json(&facets.data)));
    let mut hasher = Fnv64::new();
    for (name, data) in parts
        .iter()
        .chain([&("root".to_string(), root_json.clone())])
    {
        hasher.write(name.as_bytes());
        hasher.write(&[0]);
        hasher.write(data.as_bytes());
        hasher.write(&[0]);
    }
    let build = format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff);
    let script = |name: &str, data: &str| {
        format!("__casebookSearch.register(\"{build}\",\"{name}\",{data});\n")
    };
    let mut files: Vec<OutputFile> = parts
        .iter()
        .map(|(name, data)| {
            OutputFile::new(format!("search/{name}-{build}.js"), script(name, data))
        })
        .collect();
    let root_path = ROOT.to_string();
    files.push(OutputFile::new(&root_path, script("root", &root_json)));
    SearchIndex {
        root: root_path,
        files,
    }
}

/// Groups tokens into shards by [`shard_of`], as JSON objects token → encoded data; the
/// shard count follows from the total size. Tokens with no data are left out.
fn shard_tokens(
    postings: &BTreeMap<String, PostingList>,
    data: impl Fn(&PostingList) -> &String,
) -> Vec<String> {
    let total = postings
        .iter()
        .map(|(t, p)| t.len() + data(p).len() + 6)
        .sum();
    let count = shard_count(total);
    let mut shards: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); count];
    for (token, list) in postings {
        if !data(list).is_empty() {
            shards[shard_of(token, count)].insert(token, data(list));
        }
    }
    shards.iter().map(json).collect()
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("search index data is plain strings and numbers")
}

/// The root file's data.
#[derive(Serialize)]
struct Root<'a> {
    docs: usize,
    /// Number of postings shards (`p<k>`) and of position shards (`q<k>`).
    shards: usize,
    position_shards: usize,
    /// Cases per display shard: case `i` is in `d<i / n>`.
    display_shard_cases: usize,
    regions: &'a [String],
    departments: &'a [String],
    tags: &'a [String],
}

fn field_texts(case: &Case) -> [String; 7] {
    let metrics: Vec<&str> = case.metrics.iter().map(|m| m.name.as_str()).collect();
    [
        case.title.clone(),
        case.tags.join("\n"),
        case.region.clone(),
        case.department.clone(),
        metrics.join("\n"),
        case.summary.clone(),
        case.rendered.text.clone(),
    ]
}

fn field_lengths(fields: &[String; 7]) -> [u32; 7] {
    std::array::from_fn(|f| {
        let mut count = 0;
        for_each_token(&fields[f], Mode::Query, |_, _| count += 1);
        count
    })
}

fn average_lengths(lengths: &[[u32; 7]]) -> [f64; 7] {
    let n = lengths.len().max(1) as f64;
    std::array::from_fn(|f| {
        let total: f64 = lengths.iter().map(|l| f64::from(l[f])).sum();
        (total / n).max(1.0)
    })
}

/// Single CJK characters are indexed without positions: they only serve one-character
/// queries, where adjacency means nothing, and they are the longest lists.
pub fn has_positions(token: &str) -> bool {
    let mut chars = token.chars();
    !(matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c)))
}

/// One token's postings, encoded as the client reads them: for each (case, field) in order,
/// `(case delta) * 8 + field` and the quantised impact in `data`; for positional tokens, the
/// count of positions and the position deltas of the same entries in `positions`.
///
/// Positions live in their own shards (`q<k>`): a one-token query never needs them, and a
/// longer one loads them only for its rarest tokens.
#[derive(Default)]
struct PostingList {
    data: String,
    positions: String,
    last_doc: u32,
}

/// One field's occurrences of one token in one case.
struct Occurrences {
    field: u32,
    positions: Vec<u32>,
}

fn postings(
    fields: &[[String; 7]],
    lengths: &[[u32; 7]],
    average: &[f64; 7],
) -> BTreeMap<String, PostingList> {
    let mut lists: HashMap<String, PostingList> = HashMap::new();
    for (chunk_index, chunk) in fields.chunks(CHUNK).enumerate() {
        let per_doc: Vec<HashMap<String, Vec<Occurrences>>> =
            chunk.par_iter().map(doc_occurrences).collect();
        for (offset, doc) in per_doc.into_iter().enumerate() {
            let id = chunk_index * CHUNK + offset;
            for (token, occurrences) in doc {
                let positional = has_positions(&token);
                let list = lists.entry(token).or_default();
                for occ in occurrences {
                    let norm =
                        f64::from(lengths[id][occ.field as usize]) / average[occ.field as usize];
                    list.push(id as u32, &occ, norm, positional);
                }
            }
        }
    }
    lists.into_iter().collect()
}

impl PostingList {
    fn push(&mut self, doc: u32, occ: &Occurrences, norm: f64, positional: bool) {
        let tf = occ.positions.len() as f64;
        let weight = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * norm));
        let impact = (weight / (K1 + 1.0) * MAX_IMPACT)
            .round()
            .clamp(1.0, MAX_IMPACT) as u32;
        encode::push(&mut self.data, (doc - self.last_doc) * 8 + occ.field);
        encode::push(&mut self.data, impact);
        self.last_doc = doc;
        if !positional {
            return;
        }
        let kept = &occ.positions[..occ.positions.len().min(MAX_POSITIONS)];
        encode::push(&mut self.positions, kept.len() as u32);
        let mut last = 0;
        for &p in kept {
            encode::push(&mut self.positions, p - last);
            last = p;
        }
    }
}

/// Every token of one case with its positions per field. Hash maps: the order of tokens does
/// not reach the output (each token's list is filled in case order by the caller).
fn doc_occurrences(fields: &[String; 7]) -> HashMap<String, Vec<Occurrences>> {
    let mut out: HashMap<String, Vec<Occurrences>> = HashMap::new();
    for (f, text) in fields.iter().enumerate() {
        let mut by_token: HashMap<String, Vec<u32>> = HashMap::new();
        for_each_token(text, Mode::Index, |token, position| {
            match by_token.get_mut(token) {
                Some(positions) => positions.push(position),
                None => {
                    by_token.insert(token.to_string(), vec![position]);
                }
            }
        });
        for (token, positions) in by_token {
            out.entry(token).or_default().push(Occurrences {
                field: f as u32,
                positions,
            });
        }
    }
    out
}

fn shard_count(total_bytes: usize) -> usize {
    total_bytes
        .div_ceil(SHARD_TARGET_BYTES)
        .clamp(1, MAX_SHARDS)
}

/// What a token's shard is chosen by: a CJK token itself; a word's first two characters.
pub fn shard_key(token: &str) -> &str {
    match token.chars().next() {
        Some(c) if is_cjk(c) => token,
        _ => match token.char_indices().nth(2) {
            Some((end, _)) => &token[..end],
            None => token,
        },
    }
}

pub fn shard_of(token: &str, shards: usize) -> usize {
    (fnv1a32(shard_key(token).as_bytes()) % shards as u32) as usize
}

/// FNV-1a, 32 bits: `static/search.js` computes the same over the UTF-8 bytes.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for &b in bytes {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Facet values: sorted names, and for each case its region, department and tags as
/// indexes into them (encoded: region, department, tag count, tags).
struct Facets {
    regions: Vec<String>,
    departments: Vec<String>,
    tags: Vec<String>,
    data: String,
}

impl Facets {
    fn new(cases: &[Case]) -> Facets {
        let sorted =
            |values: BTreeSet<&String>| -> Vec<String> { values.into_iter().cloned().collect() };
        let regions = sorted(cases.iter().map(|c| &c.region).collect());
        let departments = sorted(cases.iter().map(|c| &c.department).collect());
        let tags = sorted(cases.iter().flat_map(|c| &c.tags).collect());
        let index = |list: &[String], name: &String| {
            list.binary_search(name)
                .expect("facet names are collected from these cases") as u32
        };
        let mut data = String::new();
        for case in cases {
            encode::push(&mut data, index(&regions, &case.region));
            encode::push(&mut data, index(&departments, &case.department));
            let mut tag_ids: Vec<u32> = case.tags.iter().map(|t| index(&tags, t)).collect();
            tag_ids.sort_unstable();
            tag_ids.dedup();
            encode::push(&mut data, tag_ids.len() as u32);
            for id in tag_ids {
                encode::push(&mut data, id);
            }
        }
        Facets {
            regions,
            departments,
            tags,
            data,
        }
    }
}

/// What a result shows: URL, title, region, department, text for the snippet.
#[derive(Serialize)]
struct Display<'a>(&'a str, &'a str, &'a str, &'a str, String);

/// Display data in shards of a fixed number of consecutive cases, chosen so that a shard
/// is about [`DISPLAY_TARGET_BYTES`]; returns the shards' JSON and the cases per shard.
fn display_shards(cases: &[Case]) -> (Vec<String>, usize) {
    let entries: Vec<String> = cases
        .par_iter()
        .map(|case| {
            let text: String = format!("{}\n{}", case.summary, case.rendered.text)
                .chars()
                .take(SNIPPET_TEXT_CHARS)
                .collect();
            json(&Display(
                &case.url,
                &case.title,
                &case.region,
                &case.department,
                text,
            ))
        })
        .collect();
    let total: usize = entries.iter().map(String::len).sum();
    let average = total / entries.len().max(1);
    let per_shard = (DISPLAY_TARGET_BYTES / average.max(1)).max(1);
    let shards = entries
        .chunks(per_shard)
        .map(|chunk| format!("[{}]", chunk.join(",")))
        .collect();
    (shards, per_shard)
}

#[cfg(test)]
mod tests;
