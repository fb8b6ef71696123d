//! The search index: built here at build time, queried in the browser by `static/search.js`.
//!
//! Three constraints shape it. Chinese must be searchable, so text is cut into character
//! bigrams ([`tokenize`]). The site must work opened from disk, where `fetch` and ES modules
//! are blocked, so every index file is a plain script that hands its data to
//! `__casebookSearch.register(build, name, data)`. And a collection of 10,000 cases must not
//! make a query download the whole index, so the index is split into shards:
//!
//! - `search/index.js`, the root: case count, shard counts, cases per display shard, field
//!   boosts, names of facet values. Its name is fixed so that pages do not
//!   change when only the index does (watch mode rewrites just the index, not every page);
//! - `search/p<k>-<hash>.js`, postings: token → encoded (case, weight) list ([`postings`]), the
//!   token's shard chosen by a stable hash of the token (of its first two characters for
//!   words, so that every word sharing a prefix lives in one shard and prefix matching needs
//!   one file);
//! - `search/q<k>-<hash>.js`, the positions of the same entries, sharded the same way but
//!   loaded only to check adjacency for queries of several tokens. On large collections,
//!   tokens found in most cases keep none (`position_max_df` in the root): side by side they
//!   tell cases little apart, and their positions were most of the index's bytes;
//! - `search/f-<hash>.js`, the region, department and tags of every case, for facet counts;
//! - `search/d<k>-<hash>.js`, what a result shows (title, URL, text for the snippet), loaded
//!   only for the results on screen, with `search/t-<hash>.js`, the character table its
//!   text is written with ([`display`]).
//!
//! `<hash>` hashes the file's content and is registered with it; the root lists every file's
//! hash, so the client never mixes one build's shards with another's, and a file whose content
//! did not change keeps its name from build to build. Ranking is BM25 per field; the
//! length-normalised term-frequency part is computed here, quantised, weighted by the field's
//! boost and summed over the case's fields, so the client needs no per-case statistics.
//! Positions let the client reward adjacent query tokens.

mod display;
pub mod encode;
mod fx;
mod packed_map;
mod postings;
pub mod tokenize;

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::content::case::Case;
use crate::output::OutputFile;
use crate::site::Site;
use fx::FxMap;
use postings::TokenPostings;
use tokenize::is_cjk;

/// Indexed fields, in the order their numbers are encoded in positions (see [`field_texts`]).
pub const FIELDS: [&str; FIELD_COUNT] = [
    "title",
    "tags",
    "region",
    "department",
    "metrics",
    "summary",
    "body",
];
pub const FIELD_COUNT: usize = 7;
/// Field boosts, in [`FIELDS`] order: a title match counts ten times a body match.
pub const BOOSTS: [u32; FIELD_COUNT] = [10, 6, 4, 4, 3, 2, 1];
/// Postings bytes aimed at per shard; the shard count follows from the total.
const SHARD_TARGET_BYTES: usize = 8 * 1024;
const MAX_SHARDS: usize = 8192;
/// Collections above this size keep no positions for tokens in more than
/// [`COMMON_SHARE`] of their cases: two such tokens side by side tell cases little apart,
/// and their positions would be the biggest lists of the index.
const COMMON_MIN_DOCS: usize = 2000;
const COMMON_SHARE: f64 = 0.5;

/// The root file's path: fixed, so pages need not change when only the index does.
pub const ROOT: &str = "search/index.js";

/// The index files, and the root file's path for the pages to load.
pub struct SearchIndex {
    pub root: String,
    pub files: Vec<OutputFile>,
}

/// Builds the search index of the site's cases (its files sorted by path).
pub fn build(site: &Site) -> SearchIndex {
    let files = std::sync::Mutex::new(Vec::new());
    build_with(site, &|file| {
        files
            .lock()
            .expect("no thread panics while holding the list")
            .push(file)
    });
    let mut files = files
        .into_inner()
        .expect("no thread panicked while holding the list");
    files.sort_by(|a, b| a.path.cmp(&b.path));
    SearchIndex {
        root: ROOT.to_string(),
        files,
    }
}

/// Builds the search index, handing every file to `emit` as soon as it is made (the root,
/// which lists them all, last): the index is never held whole on top of what is written.
pub fn build_with(site: &Site, emit: &(dyn Fn(OutputFile) + Sync)) {
    let cases = &site.content.cases;
    let position_max_df = position_max_df(cases.len());
    let group =
        |kind: char| move |first: usize, group: Vec<String>| emit_group(kind, first, group, emit);
    let ((p, q), (facets, display, f)) = rayon::join(
        || {
            let postings = postings::build(cases, field_texts, position_max_df);
            let p = shard_tokens(&postings, |p| Some(&p.data), group('p'));
            let q = shard_tokens(&postings, |p| p.positions.as_ref(), group('q'));
            (p, q)
        },
        || {
            let facets = Facets::new(cases);
            let display = display::build(cases, &facets, group('d'));
            let f = emit_single('f', json(&facets.data), emit);
            (facets, display, f)
        },
    );
    let t = emit_single('t', display.table, emit);
    let hashes = |groups: &[(String, usize)]| groups.iter().map(|g| g.0.as_str()).collect();
    let shards = |groups: &[(String, usize)]| groups.iter().map(|g| g.1).sum();
    let files = [
        ("p", hashes(&p)),
        ("q", hashes(&q)),
        ("d", hashes(&display.shards)),
        ("t", t),
        ("f", f),
    ]
    .into_iter()
    .map(|(kind, hashes)| (kind.to_string(), hashes))
    .collect();
    let root = Root {
        docs: cases.len(),
        shards: shards(&p),
        position_shards: shards(&q),
        position_max_df,
        boosts: BOOSTS,
        display_shard_cases: display.per_shard,
        file_group: FILE_GROUP,
        files,
        regions: &facets.regions.sorted,
        departments: &facets.departments.sorted,
        tags: &facets.tags.sorted,
    };
    let root_json = json(&root);
    let root_hash = content_hash([root_json.as_str()]);
    emit(OutputFile::new(
        ROOT,
        script(&root_hash, "root", &root_json),
    ));
}

/// Shards of a kind named together: the [`FILE_GROUP`] shards `g * FILE_GROUP ..` share one
/// hash, of all their contents, in their names and in the root. Larger groups make a smaller
/// root; smaller ones make an edit rename fewer files (those of the groups it touched).
pub const FILE_GROUP: usize = 8;

/// Emits a group of shards (`first` is the first one's number), each named
/// `<kind><number>-<group hash>.js`; returns the hash and the group's size.
fn emit_group(
    kind: char,
    first: usize,
    group: Vec<String>,
    emit: &(dyn Fn(OutputFile) + Sync),
) -> (String, usize) {
    let hash = content_hash(group.iter().map(String::as_str));
    let count = group.len();
    for (i, data) in group.into_iter().enumerate() {
        let name = format!("{kind}{}", first + i);
        let path = format!("search/{name}-{hash}.js");
        emit(OutputFile::new(path, script(&hash, &name, &data)));
    }
    (hash, count)
}

/// Emits a file of which there is one (`t`, `f`), named after its content's hash.
fn emit_single(kind: char, data: String, emit: &(dyn Fn(OutputFile) + Sync)) -> String {
    let hash = content_hash([data.as_str()]);
    let path = format!("search/{kind}-{hash}.js");
    emit(OutputFile::new(
        path,
        script(&hash, &kind.to_string(), &data),
    ));
    hash
}

fn script(hash: &str, name: &str, data: &str) -> String {
    format!("__casebookSearch.register(\"{hash}\",\"{name}\",{data});\n")
}

/// Characters of a file's content hash, in its name and in the root's manifest.
pub const HASH_CHARS: usize = 7;

/// A name part: 35 bits of xxh3 (64) of some files' data, in base 32 (`0-9a-v`). xxh3
/// reads the whole index (40 MB at 10,000 cases) in a few milliseconds, where FNV-1a, a
/// byte at a time, took tens (1 % of a build's CPU).
fn content_hash<'a>(data: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in data {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    let mut h = hasher.digest();
    (0..HASH_CHARS)
        .map(|_| {
            let digit = (h & 31) as u8;
            h >>= 5;
            encode::ALPHABET[digit as usize] as char
        })
        .collect()
}

/// Tokens in more cases than this carry no positions (see [`COMMON_MIN_DOCS`]).
fn position_max_df(docs: usize) -> u32 {
    if docs > COMMON_MIN_DOCS {
        (docs as f64 * COMMON_SHARE) as u32
    } else {
        u32::MAX
    }
}

/// Groups tokens into shards by [`shard_of`], as JSON objects token → encoded data; the
/// shard count follows from the total size. Tokens with no data are left out.
/// Each [`FILE_GROUP`] shards' JSON go to `sink` with the first one's number as soon as
/// they are made.
fn shard_tokens<R: Send>(
    postings: &[TokenPostings],
    data: impl Fn(&TokenPostings) -> Option<&String>,
    sink: impl Fn(usize, Vec<String>) -> R + Sync,
) -> Vec<R> {
    let total = postings
        .iter()
        .filter_map(|p| data(p).map(|d| p.token.len() + d.len() + 6))
        .sum();
    let count = shard_count(total);
    let mut shards: Vec<BTreeMap<&str, &str>> = vec![BTreeMap::new(); count];
    for p in postings {
        if let Some(d) = data(p).filter(|d| !d.is_empty()) {
            shards[shard_of(&p.token, count)].insert(&p.token, d);
        }
    }
    shards
        .par_chunks(FILE_GROUP)
        .enumerate()
        .map(|(g, group)| sink(g * FILE_GROUP, group.iter().map(shard_json).collect()))
        .collect()
}

/// A shard as a JSON object, token → data. Written by hand rather than by serde: the data
/// are digits of [`encode::ALPHABET`], which JSON needs no escape for, and most of the bytes.
fn shard_json(shard: &BTreeMap<&str, &str>) -> String {
    let size: usize = shard.iter().map(|(t, d)| t.len() + d.len() + 6).sum();
    let mut out = String::with_capacity(size + 2);
    out.push('{');
    for (i, (token, data)) in shard.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&json(token));
        out.push_str(":\"");
        out.push_str(data);
        out.push('"');
    }
    out.push('}');
    out
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
    /// Tokens in more cases than this have no positions.
    position_max_df: u32,
    /// Field boosts, for the adjacency bonus (the postings' weights include them).
    boosts: [u32; FIELD_COUNT],
    /// Cases per display shard: case `i` is in `d<i / n>`.
    display_shard_cases: usize,
    /// Shards per naming group ([`FILE_GROUP`]).
    file_group: usize,
    /// Per kind of file, the [`HASH_CHARS`]-character hashes of its groups in order: shard
    /// `k` of kind `p` is `search/p<k>-<hash of group k / file_group>.js`.
    files: BTreeMap<String, String>,
    regions: &'a [String],
    departments: &'a [String],
    tags: &'a [String],
}

fn field_texts(case: &Case) -> [String; FIELD_COUNT] {
    let metrics: Vec<&str> = case.metrics.iter().map(|m| m.name.as_str()).collect();
    [
        case.title.clone(),
        case.tags.join("\n"),
        case.region.clone(),
        case.department.clone(),
        metrics.join("\n"),
        case.summary.clone(),
        body_without_summary(case, &case.rendered.text).into_owned(),
    ]
}

/// The body's text without the summary when the summary is part of it (the default summary
/// is the start of the first paragraph): indexed and shown once, as the summary.
pub fn body_without_summary<'a>(case: &Case, text: &'a str) -> Cow<'a, str> {
    match body_around_summary(case, text) {
        (before, Some(after)) => format!("{before}\n{after}").into(),
        (text, None) => text.into(),
    }
}

/// [`body_without_summary`] without copying: the text before the summary and, when the
/// summary was found, the text after it (the body is then `before + "\n" + after`).
pub fn body_around_summary<'a>(case: &Case, text: &'a str) -> (&'a str, Option<&'a str>) {
    // A default summary cut inside its first sentence ends with a `…` the body does not
    // have; one an author wrote is looked for as written.
    let summary = case.summary.as_str();
    let cut = summary
        .strip_suffix('…')
        .filter(|_| case.summary_from_body && find_summary(summary, text).is_none());
    let summary = cut.unwrap_or(summary);
    match find_summary(summary, text) {
        Some((start, end)) => (&text[..start], Some(&text[end..])),
        None => (text, None),
    }
}

/// Where `summary` is in `text`, start and end. The summary taken from a paragraph has its
/// lines joined ([`crate::render::markdown`]: no space between Chinese lines, one between
/// words), so a line break in `text`, with the blanks around it, may stand for nothing or
/// for blanks of the summary. Searched by the summary's first eight characters, then by its
/// first one (a line may end among the eight), and compared: a long needle makes
/// `str::find`'s set-up cost more than the search.
fn find_summary(summary: &str, text: &str) -> Option<(usize, usize)> {
    let first = summary.chars().next()?;
    let head = match summary.char_indices().nth(8) {
        Some((end, _)) => &summary[..end],
        None => summary,
    };
    let found_at = |(start, _): (usize, &str)| Some((start, end_of_summary(summary, text, start)?));
    text.match_indices(head)
        .find_map(found_at)
        .or_else(|| text.match_indices(first).find_map(found_at))
}

/// Where `summary`, compared from `start` of `text` as [`find_summary`] says, ends in it:
/// a run of blanks in `text` that holds a line break matches any blanks of the summary.
fn end_of_summary(summary: &str, text: &str, start: usize) -> Option<usize> {
    let (summary, text) = (summary.as_bytes(), text.as_bytes());
    let is_blank = |b: &&u8| matches!(b, b' ' | b'\t' | b'\n');
    let blanks = |bytes: &[u8]| bytes.iter().take_while(is_blank).count();
    let (mut s, mut t) = (0, start);
    loop {
        let same = summary[s..]
            .iter()
            .zip(&text[t..])
            .take_while(|(a, b)| a == b)
            .count();
        s += same;
        t += same;
        if s == summary.len() {
            return Some(t);
        }
        // Back to the start of the blanks both sides matched, which may hold the break.
        let matched_blanks = summary[s - same..s]
            .iter()
            .rev()
            .take_while(is_blank)
            .count();
        s -= matched_blanks;
        t -= matched_blanks;
        let run = blanks(&text[t..]);
        if !text[t..t + run].contains(&b'\n') {
            return None;
        }
        t += run;
        s += blanks(&summary[s..]);
    }
}

/// Single CJK characters are indexed without positions: they only serve one-character
/// queries, where adjacency means nothing, and they are the longest lists.
pub fn has_positions(token: &str) -> bool {
    let mut chars = token.chars();
    !(matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c)))
}

/// Shards for `total_bytes` of data: about one per [`SHARD_TARGET_BYTES`], rounded up to a
/// step of a geometric series (ratio 2^(1/4)), so that an edit that changes the total a
/// little keeps the count, and with it every token's shard.
fn shard_count(total_bytes: usize) -> usize {
    let wanted = total_bytes
        .div_ceil(SHARD_TARGET_BYTES)
        .clamp(1, MAX_SHARDS);
    (0..)
        .map(|step| 2f64.powf(f64::from(step) / 4.0).round() as usize)
        .find(|&count| count >= wanted)
        .map_or(MAX_SHARDS, |count| count.min(MAX_SHARDS))
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

/// Facet values: sorted names, and for each case its region, department and tags as
/// indexes into them (encoded: region, department, tag count, tags).
struct Facets<'a> {
    regions: Names<'a>,
    departments: Names<'a>,
    tags: Names<'a>,
    data: String,
}

impl<'a> Facets<'a> {
    fn region_index(&self, name: &str) -> u32 {
        self.regions.index_of(name)
    }

    fn department_index(&self, name: &str) -> u32 {
        self.departments.index_of(name)
    }

    fn new(cases: &'a [Case]) -> Facets<'a> {
        let regions = Names::new(cases.iter().map(|c| c.region.as_str()));
        let departments = Names::new(cases.iter().map(|c| c.department.as_str()));
        let tags = Names::new(cases.iter().flat_map(|c| &c.tags).map(String::as_str));
        let mut data = String::new();
        for case in cases {
            encode::push(&mut data, regions.index_of(&case.region));
            encode::push(&mut data, departments.index_of(&case.department));
            let mut tag_ids: Vec<u32> = case.tags.iter().map(|t| tags.index_of(t)).collect();
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

/// A facet's names, sorted, each found by a hash of it rather than by comparing it with
/// others (the names are long and many cases share their first bytes).
struct Names<'a> {
    sorted: Vec<String>,
    index: FxMap<&'a str, u32>,
}

impl<'a> Names<'a> {
    fn new(names: impl Iterator<Item = &'a str>) -> Self {
        let mut index: FxMap<&str, u32> = names.map(|name| (name, 0)).collect();
        let mut sorted: Vec<&str> = index.keys().copied().collect();
        sorted.sort_unstable();
        for (i, name) in sorted.iter().enumerate() {
            index.insert(name, i as u32);
        }
        let sorted = sorted.into_iter().map(String::from).collect();
        Names { sorted, index }
    }

    fn index_of(&self, name: &str) -> u32 {
        *self
            .index
            .get(name)
            .expect("facet names are collected from these cases")
    }
}

#[cfg(test)]
mod tests;
