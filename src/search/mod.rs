//! The search index: built here at build time, queried in the browser by `static/search.js`.
//!
//! Three constraints shape it. Chinese must be searchable, so text is cut into character
//! bigrams ([`tokenize`]). The site must work opened from disk, where `fetch` and ES modules
//! are blocked, so every index file is a plain script that hands its data to
//! `__casebookSearch.register(build, name, data)`. And a collection of 10,000 cases must not
//! make a query download the whole index, so the index is split into shards:
//!
//! - `search/index-<build>.js`, the root: document count, shard count, field boosts are the
//!   client's; names of facet values and which cases each display shard holds;
//! - `search/p<k>-<build>.js`, postings: token → encoded list, the token's shard chosen by a
//!   stable hash of the token (of its first two characters for words, so that every word
//!   sharing a prefix lives in one shard and prefix matching needs one file);
//! - `search/f-<build>.js`, the region, department and tags of every case, for facet counts;
//! - `search/d<k>-<build>.js`, what a result shows (title, URL, text for the snippet), loaded
//!   only for the results on screen.
//!
//! `<build>` hashes the content of every index file, so a page from an older build never
//! mixes its shards with a newer build's. Ranking is BM25 per field; the length-normalised
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
use tokenize::{is_cjk, tokenize, Mode};

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
const SHARD_TARGET_BYTES: usize = 24 * 1024;
const MAX_SHARDS: usize = 4096;
/// Display data bytes aimed at per display shard.
const DISPLAY_TARGET_BYTES: usize = 6 * 1024;
/// Characters of case text kept for snippets.
const SNIPPET_TEXT_CHARS: usize = 4000;
/// Cases tokenised at once: bounds memory on large collections.
const CHUNK: usize = 512;

/// The index files, and the root file's path for the pages to load.
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
    let shard_count = shard_count(postings.values().map(|p| p.data.len() + 8).sum());
    let mut shards: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); shard_count];
    for (token, list) in &postings {
        shards[shard_of(token, shard_count)].insert(token, &list.data);
    }
    let shard_json: Vec<String> = shards.iter().map(json).collect();
    let facets = Facets::new(cases);
    let (display, starts) = display_shards(cases);
    let mut hasher = Fnv64::new();
    for part in shard_json.iter().chain(&display).chain([&facets.data]) {
        hasher.write(part.as_bytes());
        hasher.write(&[0]);
    }
    let root = Root {
        docs: cases.len(),
        shards: shard_count,
        display: starts,
        regions: &facets.regions,
        departments: &facets.departments,
        tags: &facets.tags,
    };
    let root_json = json(&root);
    hasher.write(root_json.as_bytes());
    let build = format!("{:012x}", hasher.finish() & 0xffff_ffff_ffff);
    let script = |name: &str, data: &str| {
        format!("__casebookSearch.register(\"{build}\",\"{name}\",{data});\n")
    };
    let mut files = Vec::with_capacity(shard_count + display.len() + 2);
    for (k, data) in shard_json.iter().enumerate() {
        let name = format!("p{k}");
        files.push(OutputFile::new(
            format!("search/{name}-{build}.js"),
            script(&name, data),
        ));
    }
    for (k, data) in display.iter().enumerate() {
        let name = format!("d{k}");
        files.push(OutputFile::new(
            format!("search/{name}-{build}.js"),
            script(&name, data),
        ));
    }
    files.push(OutputFile::new(
        format!("search/f-{build}.js"),
        script("f", &json(&facets.data)),
    ));
    let root_path = format!("search/index-{build}.js");
    files.push(OutputFile::new(&root_path, script("root", &root_json)));
    SearchIndex {
        root: root_path,
        files,
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("search index data is plain strings and numbers")
}

/// The root file's data.
#[derive(Serialize)]
struct Root<'a> {
    docs: usize,
    shards: usize,
    /// First case of each display shard.
    display: Vec<usize>,
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
    std::array::from_fn(|f| tokenize(&fields[f], Mode::Query).len() as u32)
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
/// `(case delta) * 8 + field`, the quantised impact, then (for positional tokens) the count
/// of positions and the position deltas.
#[derive(Default)]
struct PostingList {
    data: String,
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
        let per_doc: Vec<BTreeMap<String, Vec<Occurrences>>> =
            chunk.par_iter().map(doc_occurrences).collect();
        for (offset, doc) in per_doc.into_iter().enumerate() {
            let id = chunk_index * CHUNK + offset;
            for (token, occurrences) in doc {
                let positional = has_positions(&token);
                let list = lists.entry(token).or_default();
                for occ in occurrences {
                    let norm = f64::from(lengths[id][occ.field as usize])
                        / average[occ.field as usize];
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
        let impact = (weight / (K1 + 1.0) * MAX_IMPACT).round().clamp(1.0, MAX_IMPACT) as u32;
        encode::push(&mut self.data, (doc - self.last_doc) * 8 + occ.field);
        encode::push(&mut self.data, impact);
        self.last_doc = doc;
        if !positional {
            return;
        }
        encode::push(&mut self.data, occ.positions.len() as u32);
        let mut last = 0;
        for &p in &occ.positions {
            encode::push(&mut self.data, p - last);
            last = p;
        }
    }
}

fn doc_occurrences(fields: &[String; 7]) -> BTreeMap<String, Vec<Occurrences>> {
    let mut out: BTreeMap<String, Vec<Occurrences>> = BTreeMap::new();
    for (f, text) in fields.iter().enumerate() {
        let mut by_token: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for token in tokenize(text, Mode::Index) {
            by_token.entry(token.text).or_default().push(token.position);
        }
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
    total_bytes.div_ceil(SHARD_TARGET_BYTES).clamp(1, MAX_SHARDS)
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
        let sorted = |values: BTreeSet<&String>| -> Vec<String> {
            values.into_iter().cloned().collect()
        };
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

/// Display data in shards of consecutive cases, each about [`DISPLAY_TARGET_BYTES`]; returns
/// the shards' JSON and the first case of each.
fn display_shards(cases: &[Case]) -> (Vec<String>, Vec<usize>) {
    let mut shards = Vec::new();
    let mut starts = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut bytes = 0;
    for (i, case) in cases.iter().enumerate() {
        if current.is_empty() {
            starts.push(i);
        }
        let text: String = format!("{}\n{}", case.summary, case.rendered.text)
            .chars()
            .take(SNIPPET_TEXT_CHARS)
            .collect();
        let entry = json(&Display(
            &case.url,
            &case.title,
            &case.region,
            &case.department,
            text,
        ));
        bytes += entry.len();
        current.push(entry);
        if bytes >= DISPLAY_TARGET_BYTES {
            shards.push(format!("[{}]", current.join(",")));
            current.clear();
            bytes = 0;
        }
    }
    if !current.is_empty() {
        shards.push(format!("[{}]", current.join(",")));
    }
    (shards, starts)
}

#[cfg(test)]
mod tests;
