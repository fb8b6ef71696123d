//! Postings: for every token, the cases it occurs in, each with its BM25 weight there (the
//! sum over fields of the field's boost times its quantised, length-normalised term-frequency
//! part), and for tokens that are not in most cases, their first positions in each field.
//!
//! A case's entry is one number, `weight * 4 + min(case delta - 1, 3)`, followed by
//! `case delta - 4` when that is 3 or more: a token in most cases of a large collection
//! costs two characters a case. Positions, when kept, follow the same cases in order: for
//! each, groups of `field + 1`, position count and position deltas, then `0`.
//!
//! Every case is tokenised once, in parallel, in chunks of [`CHUNK`] cases (memory stays
//! bounded on large collections). One pass gives both the tokens and each field's length in
//! query tokens. The lengths' averages are only known at the end, so the lists are first
//! kept with raw term frequencies in a compact byte form, then re-encoded with their
//! impacts once every case has been seen.
//!
//! Tokens are keyed without a string per occurrence: a CJK unigram or bigram packs into a
//! `u64`, a word is looked up by `&str`, and maps use a multiply-rotate hash (the keys are
//! our own text, not an attacker's, so SipHash's protection buys nothing here).

use std::sync::Mutex;

use rayon::prelude::*;

use super::encode;
use super::fx::FxMap;
use super::packed_map::PackedMap;
use super::tokenize::{index_tokens, IndexTokens};
use super::{BOOSTS, FIELD_COUNT};

/// BM25 parameters.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// Largest quantised term-frequency impact (fits one encoded digit).
const MAX_IMPACT: f64 = 31.0;
/// Positions kept per token, case and field: the first few. Adjacency is then found among
/// the first occurrences of each token; it keeps the position shards of common tokens small.
pub const MAX_POSITIONS: usize = 6;
/// Cases tokenised at once: bounds memory on large collections. Two chunks are alive at a
/// time (one tokenised, one merged), roughly 100 kB a case of Chinese text (about 2,000
/// tokens of 56 bytes, an estimate): 512 cases made the peak RSS of a 10,000-case build
/// 371–381 MB, 128 make it 334–337 MB (the same output, and each new page of memory costs
/// a fault in the host on a virtual machine).
const CHUNK: usize = 128;

/// One token's postings and positions, encoded as the client reads them (see above).
pub struct TokenPostings {
    pub token: String,
    pub data: String,
    pub positions: Option<String>,
}

/// Postings of every token of `docs`, sorted by token; `fields` gives a document's texts
/// (made a chunk at a time, so that the whole collection's text is never copied at once).
pub fn build<T: Sync>(
    docs: &[T],
    fields: impl Fn(&T) -> [String; FIELD_COUNT] + Sync,
    position_max_df: u32,
) -> Vec<TokenPostings> {
    build_keeping(docs, &fields, Keep::new(position_max_df))
}

fn build_keeping<T: Sync>(
    docs: &[T],
    fields: &(impl Fn(&T) -> [String; FIELD_COUNT] + Sync),
    keep: Keep,
) -> Vec<TokenPostings> {
    let (mut lists, lengths) = merge(docs, fields, keep);
    restore_positions(&mut lists, docs, fields, keep.max_df);
    let weights = Weights::new(&lengths);
    lists
        .into_sorted()
        .into_par_iter()
        .map(|(token, raw)| TokenPostings {
            token,
            data: raw.weights(&weights),
            positions: raw.into_positions(),
        })
        .collect()
}

/// Every case's tokens in their lists, and every case's field lengths.
fn merge<T: Sync>(
    docs: &[T],
    fields: &(impl Fn(&T) -> [String; FIELD_COUNT] + Sync),
    keep: Keep,
) -> (Lists, Vec<[u32; FIELD_COUNT]>) {
    let mut lists = Lists::new();
    let mut lengths: Vec<[u32; FIELD_COUNT]> = Vec::with_capacity(docs.len());
    let scratches = Scratches::new();
    let mut merge = |tokenised: Vec<DocTokens>| {
        for doc in tokenised {
            lists.add(lengths.len() as u32, doc.tokens, keep);
            lengths.push(doc.lengths);
        }
    };
    // Each chunk is merged (in case order, on one thread) while the next one is tokenised.
    let mut pending: Option<Vec<DocTokens>> = None;
    for chunk in docs.chunks(CHUNK) {
        let previous = pending.take();
        let (tokenised, ()) = rayon::join(
            || {
                chunk
                    .par_iter()
                    .map(|d| scratches.with(|scratch| doc_tokens(scratch, &fields(d))))
                    .collect()
            },
            || previous.into_iter().for_each(&mut merge),
        );
        pending = Some(tokenised);
    }
    pending.into_iter().for_each(&mut merge);
    (lists, lengths)
}

/// When a token's positions are kept: while it is in at most `max_df` cases. Whether it
/// will be is only known once every case is merged, but most of the tokens that end up in
/// more cases show it early (in the 10,000-case benchmark, 84 % of the positions encoded
/// were of such tokens, encoded for their first 5,000 cases and then dropped: 3 % of a
/// build). So once `guess_after` cases are merged, a token found in [`GUESS_SHARE`] % or
/// more of the cases so far is guessed to be one, and its positions are dropped at once; a
/// wrong guess is put right at the end ([`restore_positions`]), so the index is the same
/// either way.
#[derive(Clone, Copy)]
struct Keep {
    max_df: u32,
    guess_after: u32,
}

/// Cases merged before a token's share of them is taken as a guess.
const GUESS_AFTER: u32 = 1000;
/// The share of the cases so far, in percent, that makes a token guessed to be in more
/// than [`super::COMMON_SHARE`] of them all.
const GUESS_SHARE: u64 = 70;

impl Keep {
    fn new(max_df: u32) -> Self {
        // Without a limit (small collections) there is nothing to guess.
        let guess_after = if max_df == u32::MAX {
            u32::MAX
        } else {
            GUESS_AFTER
        };
        Keep {
            max_df,
            guess_after,
        }
    }

    /// Whether a token in `df` of the first `doc + 1` cases keeps no positions.
    #[inline]
    fn drops(self, df: u32, doc: u32) -> bool {
        df > self.max_df
            || (doc >= self.guess_after
                && u64::from(df) * 100 >= (u64::from(doc) + 1) * GUESS_SHARE)
    }
}

/// Positions again for the tokens wrongly guessed to be in most cases ([`Keep`]): their
/// cases are tokenised again (all cases, in parallel; a rare event), and their positions
/// encoded as the merge would have.
fn restore_positions<T: Sync>(
    lists: &mut Lists,
    docs: &[T],
    fields: &(impl Fn(&T) -> [String; FIELD_COUNT] + Sync),
    max_df: u32,
) {
    let wrong = lists.wrongly_guessed(max_df);
    if wrong.is_empty() {
        return;
    }
    let mut restored: Vec<RawList> = wrong.iter().map(|(key, _)| RawList::new(key)).collect();
    let at: FxMap<&Key, usize> = wrong.iter().enumerate().map(|(i, (k, _))| (k, i)).collect();
    let scratches = Scratches::new();
    let entries: Vec<Vec<(usize, Occurrences)>> = docs
        .par_iter()
        .map(|d| {
            let tokens = scratches.with(|scratch| doc_tokens(scratch, &fields(d)).tokens);
            let bigrams = tokens.bigrams.into_iter().map(|(k, o)| (Key::Cjk(k), o));
            let words = tokens.words.into_iter().map(|(w, o)| (Key::Word(w), o));
            bigrams
                .chain(words)
                .filter_map(|(key, o)| Some((*at.get(&key)?, o)))
                .collect()
        })
        .collect();
    let never = Keep::new(u32::MAX);
    for (doc, entries) in entries.iter().enumerate() {
        for (i, occurrences) in entries {
            restored[*i].push(doc as u32, occurrences, never);
        }
    }
    for (restored, (_, list)) in restored.into_iter().zip(&wrong) {
        lists.lists[*list].1.positions = restored.positions;
    }
}

/// What a case's text contributes: every (token, field) with its occurrences, and the
/// length of every field in query tokens.
struct DocTokens {
    lengths: [u32; FIELD_COUNT],
    tokens: Tokens,
}

/// A case's (token, field) entries by kind of token, each kind's fields in order. Kept
/// apart because unigrams, half of all entries, have only a count: as one list of
/// `(Key, Occurrences)`, every entry took 56 bytes, written by the tokenising threads and
/// read back by the merge.
#[derive(Default)]
struct Tokens {
    unigrams: Vec<Counted>,
    bigrams: Vec<(u64, Occurrences)>,
    words: Vec<(Box<str>, Occurrences)>,
}

/// A unigram's count in a field (see [`Key::has_positions`]).
#[derive(Clone, Copy)]
struct Counted {
    c: char,
    field: u8,
    count: u32,
}

impl Tokens {
    /// Room for `lengths` entries of each kind (as [`Tokens::lengths`] gives them).
    fn with_capacity([unigrams, bigrams, words]: [usize; 3]) -> Tokens {
        Tokens {
            unigrams: Vec::with_capacity(unigrams),
            bigrams: Vec::with_capacity(bigrams),
            words: Vec::with_capacity(words),
        }
    }

    fn lengths(&self) -> [usize; 3] {
        [self.unigrams.len(), self.bigrams.len(), self.words.len()]
    }
}

/// A token: a CJK unigram or bigram packed into a number, or a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Cjk(u64),
    Word(Box<str>),
}

/// Packs a CJK token of one or two characters (code points are below 2^21).
fn cjk_key(first: char, second: Option<char>) -> u64 {
    second.map_or(0, u64::from) << 21 | u64::from(first)
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Word(word) => word.to_string(),
            Key::Cjk(packed) => [packed & 0x1f_ffff, packed >> 21]
                .into_iter()
                .filter(|&c| c != 0)
                .filter_map(|c| char::from_u32(c as u32))
                .collect(),
        }
    }

    /// Single CJK characters carry no positions: see [`super::has_positions`].
    fn has_positions(&self) -> bool {
        !matches!(self, Key::Cjk(packed) if packed >> 21 == 0)
    }
}

/// One field's occurrences of one token in one case.
#[derive(Clone, Default)]
struct Occurrences {
    field: u8,
    count: u32,
    positions: [u32; MAX_POSITIONS],
}

impl Occurrences {
    fn new(field: u8) -> Self {
        Occurrences {
            field,
            count: 0,
            positions: [0; MAX_POSITIONS],
        }
    }

    fn add(&mut self, position: u32) {
        if let Some(slot) = self.positions.get_mut(self.count as usize) {
            *slot = position;
        }
        self.count += 1;
    }

    fn kept(&self) -> &[u32] {
        &self.positions[..(self.count as usize).min(MAX_POSITIONS)]
    }
}

fn doc_tokens(scratch: &mut Scratch, fields: &[String; FIELD_COUNT]) -> DocTokens {
    let mut lengths = [0; FIELD_COUNT];
    // As many as the last case had: growing the lists a step at a time was a tenth of the
    // tokenising (each step copies them).
    let mut tokens = Tokens::with_capacity(scratch.last_tokens);
    for (f, text) in fields.iter().enumerate() {
        scratch.field = f as u8;
        index_tokens(text, scratch);
        lengths[f] = scratch.end_field(&mut tokens);
    }
    scratch.last_tokens = tokens.lengths();
    DocTokens { lengths, tokens }
}

/// A [`Scratch`] for each of rayon's threads, kept from chunk to chunk: `map_init` would
/// make one for every piece of work rayon splits off (316 at 10,000 cases), each an 84 kB
/// array to zero and a table to grow again.
struct Scratches(Vec<Mutex<Scratch>>);

impl Scratches {
    fn new() -> Self {
        let threads = rayon::current_num_threads().max(1);
        Scratches((0..threads).map(|_| Mutex::new(Scratch::new())).collect())
    }

    /// Calls `f` with the current thread's scratch (not locked by another: each thread has
    /// its own, and `f` does not hand work to rayon while holding it).
    fn with<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        let i = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        let mut scratch = self.0[i].lock().unwrap_or_else(|e| e.into_inner());
        f(&mut scratch)
    }
}

/// Where [`doc_tokens`] collects a field's tokens: one per thread, reused from case to case.
/// They join the case's tokens at the field's end, in no particular order: each token's
/// list only depends on the order of cases and fields.
struct Scratch {
    /// The field being tokenised, and its length so far in query tokens.
    field: u8,
    length: u32,
    /// The field's count of each common CJK ideograph, by code point from [`COMMON_CJK`].
    /// Unigrams are half of all tokens and keep no positions, so they are only counted, in
    /// an array rather than a map.
    common_count: Vec<u32>,
    /// The count of every other CJK character.
    rare_count: FxMap<char, u32>,
    /// The characters counted, in the order first seen.
    unigrams: Vec<char>,
    /// The field's bigrams, drained in the order first seen.
    bigrams: PackedMap<Occurrences>,
    words: FxMap<Box<str>, Occurrences>,
    /// How many tokens of each kind the last case had.
    last_tokens: [usize; 3],
}

/// The common CJK ideographs (U+4E00–U+9FFF): nearly every character of Chinese text. An
/// array over them (84 kB) is small enough for each thread to have one.
const COMMON_CJK: std::ops::Range<usize> = 0x4E00..0xA000;

impl Scratch {
    fn new() -> Self {
        Scratch {
            field: 0,
            length: 0,
            common_count: vec![0; COMMON_CJK.len()],
            rare_count: FxMap::default(),
            unigrams: Vec::new(),
            bigrams: PackedMap::with_capacity(512),
            words: FxMap::default(),
            last_tokens: [0; 3],
        }
    }

    /// Moves the field's tokens to `tokens`, leaving the scratch empty for the next field;
    /// returns the field's length.
    fn end_field(&mut self, tokens: &mut Tokens) -> u32 {
        let field = self.field;
        for c in self.unigrams.drain(..) {
            let count = match self.common_count.get_mut(common_index(c)) {
                Some(count) => std::mem::take(count),
                None => self.rare_count.remove(&c).unwrap_or_default(),
            };
            tokens.unigrams.push(Counted { c, field, count });
        }
        self.bigrams.drain_into(&mut tokens.bigrams);
        tokens.words.extend(self.words.drain());
        std::mem::take(&mut self.length)
    }
}

impl IndexTokens for Scratch {
    #[inline]
    fn unigram(&mut self, c: char, _position: u32, alone: bool) {
        self.length += u32::from(alone);
        let count = match self.common_count.get_mut(common_index(c)) {
            Some(count) => count,
            None => self.rare_count.entry(c).or_default(),
        };
        if *count == 0 {
            self.unigrams.push(c);
        }
        *count += 1;
    }

    #[inline]
    fn bigram(&mut self, first: char, second: char, position: u32) {
        self.length += 1;
        let (key, field) = (cjk_key(first, Some(second)), self.field);
        let occurrences = self
            .bigrams
            .get_or_insert_with(key, || Occurrences::new(field));
        occurrences.add(position);
    }

    fn restart(&mut self) {
        for c in self.unigrams.drain(..) {
            match self.common_count.get_mut(common_index(c)) {
                Some(count) => *count = 0,
                None => {
                    self.rare_count.remove(&c);
                }
            }
        }
        self.bigrams.clear();
        self.words.clear();
        self.length = 0;
    }

    /// Words are few in most text: kept out of the tokeniser's loop.
    #[inline(never)]
    fn word(&mut self, word: &str, position: u32) {
        self.length += 1;
        match self.words.get_mut(word) {
            Some(occurrences) => occurrences.add(position),
            None => {
                let mut occurrences = Occurrences::new(self.field);
                occurrences.add(position);
                self.words.insert(word.into(), occurrences);
            }
        }
    }
}

/// Where `c` is counted in [`Scratch::common_count`] (out of its bounds when it is not a
/// common ideograph).
fn common_index(c: char) -> usize {
    (c as usize).wrapping_sub(COMMON_CJK.start)
}

/// Each field's average length, rounded to a step of 2^(1/32) (about 2 %): BM25 hardly
/// notices, and an edit of one case rarely moves it, so the other cases' weights (and the
/// files that hold them) stay the same.
fn average_lengths(lengths: &[[u32; FIELD_COUNT]]) -> [f64; FIELD_COUNT] {
    let n = lengths.len().max(1) as f64;
    std::array::from_fn(|f| {
        let total: f64 = lengths.iter().map(|l| f64::from(l[f])).sum();
        let average = (total / n).max(1.0);
        2f64.powf((average.log2() * 32.0).round() / 32.0)
    })
}

/// The term frequencies whose impacts [`Weights`] keeps worked out: nearly every
/// (token, field) of a case occurs this few times (in the 10,000-case benchmark 99 % of
/// them, and 44 % occur 5 to 16 times: a table of 4 left a division for each of those).
const TABULATED_TFS: usize = 32;

/// Every case's weight for a token, by field and term frequency. A weight depends on the
/// case only through the field's length, and lengths repeat (a collection of 10,000 cases
/// has a few thousand distinct ones over all fields), so each (field, length) has one
/// table of impacts, worked out once and shared by the cases that have it: a weight is
/// then a look-up, not a division and a rounding for every posting.
struct Weights {
    /// For each case and field, the index of its table in `tables`.
    cases: Vec<[u32; FIELD_COUNT]>,
    tables: Vec<Impacts>,
}

/// The impacts of the term frequencies 1..=[`TABULATED_TFS`] for one field length, and
/// its [`length_part`] for the rarer higher frequencies.
struct Impacts {
    tabulated: [u8; TABULATED_TFS],
    length_part: f64,
}

impl Impacts {
    fn new(length_part: f64) -> Self {
        Impacts {
            tabulated: std::array::from_fn(|t| impact_of(t as u32 + 1, length_part) as u8),
            length_part,
        }
    }
}

impl Weights {
    fn new(lengths: &[[u32; FIELD_COUNT]]) -> Self {
        let average = average_lengths(lengths);
        let mut tables = Vec::new();
        let mut at: [FxMap<u32, u32>; FIELD_COUNT] = Default::default();
        let cases = lengths
            .iter()
            .map(|l| {
                std::array::from_fn(|f| {
                    *at[f].entry(l[f]).or_insert_with(|| {
                        tables.push(Impacts::new(length_part(f64::from(l[f]) / average[f])));
                        tables.len() as u32 - 1
                    })
                })
            })
            .collect();
        Weights { cases, tables }
    }

    /// `BOOSTS[field]` times the impact of `tf` occurrences in the field of case `doc`.
    #[inline]
    fn weight(&self, doc: usize, field: usize, tf: u32) -> u32 {
        let impacts = &self.tables[self.cases[doc][field] as usize];
        let impact = match impacts.tabulated.get((tf as usize).wrapping_sub(1)) {
            Some(&impact) => u32::from(impact),
            None => impact_of(tf, impacts.length_part),
        };
        BOOSTS[field] * impact
    }
}

/// Every token's list while cases are added, in case order. Each of a case's tokens looks
/// its list up: by code point for the common ideographs' unigrams (the tokens most cases
/// have), in maps for the others.
struct Lists {
    lists: Vec<(Key, RawList)>,
    /// For each common ideograph ([`COMMON_CJK`]), 1 + the index of its unigram's list, or 0.
    unigram_at: Vec<u32>,
    cjk_at: FxMap<u64, u32>,
    word_at: FxMap<Box<str>, u32>,
}

impl Lists {
    fn new() -> Self {
        Lists {
            lists: Vec::new(),
            unigram_at: vec![0; COMMON_CJK.len()],
            cjk_at: FxMap::default(),
            word_at: FxMap::default(),
        }
    }

    fn add(&mut self, doc: u32, tokens: Tokens, keep: Keep) {
        for u in tokens.unigrams {
            let at = self.index(Key::Cjk(cjk_key(u.c, None)));
            self.lists[at].1.count(doc, u.field, u.count);
        }
        for (key, occurrences) in tokens.bigrams {
            let at = self.index(Key::Cjk(key));
            self.lists[at].1.push(doc, &occurrences, keep);
        }
        for (word, occurrences) in tokens.words {
            let at = self.index(Key::Word(word));
            self.lists[at].1.push(doc, &occurrences, keep);
        }
    }

    /// The index of `key`'s list, made if it is new.
    #[inline(always)]
    fn index(&mut self, key: Key) -> usize {
        let lists = &mut self.lists;
        let mut push = |key: Key| {
            let list = RawList::new(&key);
            lists.push((key, list));
            lists.len() as u32 - 1
        };
        let at = match key {
            Key::Cjk(packed) => match self.unigram_at.get_mut(common_unigram_index(packed)) {
                Some(slot) => {
                    if *slot == 0 {
                        *slot = push(key) + 1;
                    }
                    *slot - 1
                }
                None => *self.cjk_at.entry(packed).or_insert_with(|| push(key)),
            },
            Key::Word(word) => match self.word_at.get(&word) {
                Some(&at) => at,
                None => {
                    let at = push(Key::Word(word.clone()));
                    self.word_at.insert(word, at);
                    at
                }
            },
        };
        at as usize
    }

    /// The tokens that carry positions but lost them while in at most `max_df` cases: by
    /// a wrong guess ([`Keep`]). Each with the index of its list.
    fn wrongly_guessed(&self, max_df: u32) -> Vec<(Key, usize)> {
        self.lists
            .iter()
            .enumerate()
            .filter(|(_, (key, raw))| {
                key.has_positions() && raw.positions.is_none() && raw.df <= max_df
            })
            .map(|(i, (key, _))| (key.clone(), i))
            .collect()
    }

    fn into_sorted(self) -> Vec<(String, RawList)> {
        let mut lists: Vec<(String, RawList)> =
            self.lists.into_iter().map(|(k, v)| (k.text(), v)).collect();
        lists.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        lists
    }
}

/// Where a packed CJK token is in [`Lists::unigram_at`] (out of its bounds when it is a
/// bigram or not a common ideograph).
fn common_unigram_index(packed: u64) -> usize {
    if packed >> 21 == 0 {
        (packed as usize).wrapping_sub(COMMON_CJK.start)
    } else {
        usize::MAX
    }
}

/// A token's list before the average field lengths are known: LEB128 pairs of
/// `(case delta) * 8 + field` and term frequency; positions already in their final form,
/// dropped once the token is in more than `position_max_df` cases (or guessed to be).
struct RawList {
    df: u32,
    last_doc: u32,
    data: Vec<u8>,
    positions: Option<String>,
}

impl RawList {
    fn new(key: &Key) -> Self {
        RawList {
            df: 0,
            last_doc: 0,
            data: Vec::new(),
            positions: key.has_positions().then(String::new),
        }
    }

    /// Adds `tf` occurrences in `field` of case `doc`, whether the case is new to the list.
    #[inline(always)]
    fn count(&mut self, doc: u32, field: u8, tf: u32) -> bool {
        let new_doc = self.df == 0 || doc != self.last_doc;
        if new_doc {
            self.df += 1;
        }
        push_leb(&mut self.data, (doc - self.last_doc) * 8 + u32::from(field));
        push_leb(&mut self.data, tf);
        self.last_doc = doc;
        new_doc
    }

    /// [`RawList::count`], with the positions kept as `keep` says.
    #[inline(always)]
    fn push(&mut self, doc: u32, occ: &Occurrences, keep: Keep) {
        let new_doc = self.count(doc, occ.field, occ.count);
        if self.positions.is_some() && keep.drops(self.df, doc) {
            self.positions = None;
        }
        if let Some(positions) = &mut self.positions {
            if new_doc && self.df > 1 {
                encode::push(positions, 0);
            }
            let kept = occ.kept();
            encode::push(positions, u32::from(occ.field) + 1);
            encode::push(positions, kept.len() as u32);
            let mut last = 0;
            for &p in kept {
                encode::push(positions, p - last);
                last = p;
            }
        }
    }

    /// The client's form of the list: per case, its weight over all fields.
    fn weights(&self, weights: &Weights) -> String {
        let mut out = String::with_capacity(self.data.len());
        let (mut at, mut doc, mut previous) = (0, 0u32, None);
        let mut current: Option<(u32, u32)> = None;
        while at < self.data.len() {
            let head = read_leb(&self.data, &mut at);
            let tf = read_leb(&self.data, &mut at);
            doc += head / 8;
            let field = (head % 8) as usize;
            let weight = weights.weight(doc as usize, field, tf);
            match &mut current {
                Some((at, sum)) if *at == doc => *sum += weight,
                _ => {
                    if let Some((at, sum)) = current.replace((doc, weight)) {
                        push_entry(&mut out, &mut previous, at, sum);
                    }
                }
            }
        }
        if let Some((at, sum)) = current {
            push_entry(&mut out, &mut previous, at, sum);
        }
        out
    }

    /// The positions, ended.
    fn into_positions(self) -> Option<String> {
        self.positions.map(|mut p| {
            if !p.is_empty() {
                encode::push(&mut p, 0);
            }
            p
        })
    }
}

/// One case's entry: `weight * 4 + min(delta - 1, 3)`, then `delta - 4` if that was 3.
#[inline]
fn push_entry(out: &mut String, previous: &mut Option<u32>, doc: u32, weight: u32) {
    let delta = previous.map_or(doc + 1, |p| doc - p);
    encode::push(out, weight * 4 + (delta - 1).min(3));
    if delta > 3 {
        encode::push(out, delta - 4);
    }
    *previous = Some(doc);
}

/// The part of BM25's term-frequency part that depends on the field's length (`norm` is the
/// field's length over the average).
fn length_part(norm: f64) -> f64 {
    K1 * (1.0 - B + B * norm)
}

/// BM25's term-frequency part, length-normalised ([`length_part`]), scaled to
/// 1..=[`MAX_IMPACT`].
fn impact_of(tf: u32, length_part: f64) -> u32 {
    let tf = f64::from(tf);
    let weight = tf * (K1 + 1.0) / (tf + length_part);
    round(weight / (K1 + 1.0) * MAX_IMPACT).clamp(1, MAX_IMPACT as u32)
}

/// `x.round() as u32` for `0 <= x < 2^32`, without the call to libm's `round` (x86 has no
/// instruction for rounding half away from zero): `x` minus its integer part is exact.
fn round(x: f64) -> u32 {
    let whole = x as u32;
    whole + u32::from(x - f64::from(whole) >= 0.5)
}

fn push_leb(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads the number at `bytes[*at..]` that [`push_leb`] wrote, and moves `at` past it.
fn read_leb(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        value |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return value;
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impact(tf: u32, norm: f64) -> u32 {
        impact_of(tf, length_part(norm))
    }

    fn occurrences(field: u8, positions: &[u32]) -> Occurrences {
        let mut occ = Occurrences::new(field);
        positions.iter().for_each(|&p| occ.add(p));
        occ
    }

    fn key(token: &str) -> Key {
        let mut chars = token.chars();
        match chars.next() {
            Some(c) if super::super::tokenize::is_cjk(c) => Key::Cjk(cjk_key(c, chars.next())),
            _ => Key::Word(token.into()),
        }
    }

    fn list(token: &str) -> RawList {
        RawList::new(&key(token))
    }

    impl Tokens {
        /// Every entry as one list, unigrams with their count and no positions.
        fn entries(&self) -> Vec<(Key, Occurrences)> {
            let unigrams = self.unigrams.iter().map(|u| {
                let occurrences = Occurrences {
                    count: u.count,
                    ..Occurrences::new(u.field)
                };
                (Key::Cjk(cjk_key(u.c, None)), occurrences)
            });
            let bigrams = self.bigrams.iter().map(|(k, o)| (Key::Cjk(*k), o.clone()));
            let words = self
                .words
                .iter()
                .map(|(w, o)| (Key::Word(w.clone()), o.clone()));
            unigrams.chain(bigrams).chain(words).collect()
        }
    }

    #[test]
    fn cjk_tokens_pack_and_unpack() {
        for token in ["拍", "拍即", "𠀀𠀁", "가나"] {
            assert!(matches!(key(token), Key::Cjk(_)));
            assert_eq!(key(token).text(), token);
        }
        assert_ne!(key("拍即"), key("即拍"));
    }

    #[test]
    fn tabulated_weights_are_the_computed_ones() {
        // Lengths shared by several cases and fields, and lengths of one case alone.
        let lengths: Vec<[u32; FIELD_COUNT]> = [1, 3, 3, 40, 2_000, 7, 40]
            .iter()
            .enumerate()
            .map(|(i, &l)| std::array::from_fn(|f| l + (f as u32 % 2) * i as u32))
            .collect();
        let average = average_lengths(&lengths);
        let weights = Weights::new(&lengths);
        for (doc, l) in lengths.iter().enumerate() {
            for (field, boost) in BOOSTS.iter().enumerate() {
                let part = length_part(f64::from(l[field]) / average[field]);
                for tf in 1..=TABULATED_TFS as u32 + 8 {
                    let computed = boost * impact_of(tf, part);
                    assert_eq!(
                        weights.weight(doc, field, tf),
                        computed,
                        "{doc} {field} {tf}"
                    );
                }
            }
        }
        assert!(
            weights.tables.len() < lengths.len() * FIELD_COUNT,
            "tables are shared"
        );
    }

    #[test]
    fn postings_round_trip() {
        let mut raw = list("e");
        raw.push(3, &occurrences(0, &[0]), Keep::new(u32::MAX));
        raw.push(3, &occurrences(6, &[4, 40, 41]), Keep::new(u32::MAX));
        raw.push(4, &occurrences(6, &[2]), Keep::new(u32::MAX));
        raw.push(1000, &occurrences(5, &[7]), Keep::new(u32::MAX));
        assert_eq!(raw.df, 3);
        let lengths = vec![[10; FIELD_COUNT]; 1001];
        let n = encode::decode(&raw.weights(&Weights::new(&lengths))).unwrap();
        let title_and_body = BOOSTS[0] * impact(1, 1.0) + BOOSTS[6] * impact(3, 1.0);
        assert_eq!(
            n,
            [
                title_and_body * 4 + 3, // case 3: delta 4, so 3 and then 4 - 4
                0,
                BOOSTS[6] * impact(1, 1.0) * 4, // case 4: delta 1
                BOOSTS[5] * impact(1, 1.0) * 4 + 3,
                1000 - 4 - 4,
            ]
        );
        let p = encode::decode(&raw.into_positions().unwrap()).unwrap();
        // per case: (field + 1, count, deltas) per field, then 0
        assert_eq!(p, [1, 1, 0, 7, 3, 4, 36, 1, 0, 7, 1, 2, 0, 6, 1, 7, 0]);
    }

    #[test]
    fn at_most_six_positions_are_kept_but_all_are_counted() {
        let occ = occurrences(6, &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(occ.count, 8);
        assert_eq!(occ.kept(), [1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn unigrams_carry_no_positions() {
        let mut raw = list("拍");
        raw.push(2, &occurrences(6, &[1, 5, 9]), Keep::new(u32::MAX));
        assert!(raw.positions.is_none());
    }

    #[test]
    fn tokens_in_too_many_cases_lose_their_positions() {
        let keep = Keep {
            max_df: 2,
            guess_after: u32::MAX,
        };
        let mut raw = list("审批");
        raw.push(0, &occurrences(0, &[1]), keep);
        raw.push(0, &occurrences(6, &[1]), keep);
        raw.push(1, &occurrences(6, &[1]), keep);
        assert!(raw.positions.is_some(), "two cases: kept");
        raw.push(5, &occurrences(6, &[1]), keep);
        assert!(raw.positions.is_none(), "a third case: dropped");
        raw.push(6, &occurrences(6, &[1]), keep);
        assert!(raw.positions.is_none(), "never back");
    }

    /// 3,000 short cases: `丙丁` in all of them, `甲乙` and `alpha` in the first 1,200
    /// only (so in every case when the guess is made, and in fewer than half in the end),
    /// `word` in every other case.
    fn guessed_docs() -> Vec<String> {
        (0..3000)
            .map(|i| {
                let first = if i < 1200 { "甲乙 alpha " } else { "" };
                let word = if i % 2 == 0 { " word" } else { "" };
                format!("{first}丙丁戊 第{i}{word}")
            })
            .collect()
    }

    fn body_only(text: &str) -> [String; FIELD_COUNT] {
        std::array::from_fn(|f| {
            if f == 6 {
                text.to_owned()
            } else {
                String::new()
            }
        })
    }

    #[test]
    fn tokens_guessed_to_be_common_keep_their_positions_when_they_are_not() {
        let docs = guessed_docs();
        let max_df = 1500;
        let guessing = Keep::new(max_df);
        let fields = |text: &String| body_only(text);
        let (lists, _) = merge(&docs, &fields, guessing);
        let wrong: Vec<String> = lists
            .wrongly_guessed(max_df)
            .iter()
            .map(|(key, _)| key.text())
            .collect();
        assert_eq!(
            wrong,
            ["甲乙", "alpha"],
            "the guess is made, and wrong for these"
        );
        let exact = Keep {
            max_df,
            guess_after: u32::MAX,
        };
        let guessed = build_keeping(&docs, &fields, guessing);
        let known = build_keeping(&docs, &fields, exact);
        let view = |p: &[TokenPostings]| -> Vec<(String, String, Option<String>)> {
            p.iter()
                .map(|t| (t.token.clone(), t.data.clone(), t.positions.clone()))
                .collect()
        };
        assert_eq!(view(&guessed), view(&known));
        let positions = |token: &str| {
            guessed
                .iter()
                .find(|t| t.token == token)
                .unwrap()
                .positions
                .clone()
        };
        for token in ["甲乙", "alpha"] {
            assert!(
                positions(token).is_some_and(|p| !p.is_empty()),
                "{token} restored"
            );
        }
        assert_eq!(positions("丙丁"), None, "rightly guessed: in every case");
        assert!(
            positions("word").is_some(),
            "in half the cases, never guessed"
        );
    }

    #[test]
    fn impacts_are_rounded_as_f64_round_rounds() {
        let reference = |tf: u32, norm: f64| {
            let tf = f64::from(tf);
            let weight = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * norm));
            (weight / (K1 + 1.0) * MAX_IMPACT)
                .round()
                .clamp(1.0, MAX_IMPACT) as u32
        };
        for tf in 1..300 {
            for step in 0..2000 {
                let norm = f64::from(step) / 100.0;
                assert_eq!(impact(tf, norm), reference(tf, norm), "{tf} {norm}");
            }
        }
        for x in [
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            30.499999999999996,
            30.5,
            31.0,
        ] {
            assert_eq!(round(x), x.round() as u32, "{x}");
        }
    }

    #[test]
    fn impacts_grow_with_frequency_and_shrink_with_length() {
        assert!(impact(1, 1.0) < impact(3, 1.0));
        assert!(impact(3, 1.0) < impact(30, 1.0));
        assert!(impact(2, 4.0) < impact(2, 1.0));
        assert!(impact(1000, 0.1) <= 31);
        assert!(impact(1, 100.0) >= 1);
    }

    #[test]
    fn a_field_read_again_normalised_counts_its_tokens_once() {
        let tokens = |text: &str| {
            let mut fields: [String; FIELD_COUNT] = Default::default();
            fields[0] = text.into();
            fields[1] = "审".into();
            let doc = doc_tokens(&mut Scratch::new(), &fields);
            let mut tokens: Vec<(String, u8, u32, Vec<u32>)> = doc
                .tokens
                .entries()
                .iter()
                .map(|(k, o)| (k.text(), o.field, o.count, o.kept().to_vec()))
                .collect();
            tokens.sort();
            (doc.lengths, tokens)
        };
        // Upper case and full width come after tokens were already handed over.
        let normalised = tokens("审批审 app 한국 审批");
        assert_eq!(tokens("审批审 ＡＰＰ 한국 审批"), normalised);
        assert_eq!(tokens("审批审 App 한국 审批"), normalised);
        assert_eq!(normalised.0[0], 5);
    }

    #[test]
    fn rare_cjk_characters_are_counted_too() {
        let mut fields: [String; FIELD_COUNT] = Default::default();
        fields[0] = "한국한 𠀀かか 审".into();
        fields[1] = "한".into();
        let mut scratch = Scratch::new();
        let entries = doc_tokens(&mut scratch, &fields).tokens.entries();
        let count = |token: &str, field: u8| {
            let found = entries
                .iter()
                .find(|(k, o)| k.text() == token && o.field == field);
            found.map(|(_, o)| o.count)
        };
        assert_eq!(count("한", 0), Some(2));
        assert_eq!(count("か", 0), Some(2));
        assert_eq!(count("𠀀", 0), Some(1));
        assert_eq!(count("审", 0), Some(1));
        assert_eq!(count("한", 1), Some(1));
        assert_eq!(count("국", 1), None);
        assert!(scratch.rare_count.is_empty() && scratch.common_count.iter().all(|&n| n == 0));
    }

    #[test]
    fn one_pass_counts_field_lengths_in_query_tokens() {
        let mut fields: [String; FIELD_COUNT] = Default::default();
        fields[0] = "拍即得 e拍".into();
        fields[6] = "审批，时间 one".into();
        let doc = doc_tokens(&mut Scratch::new(), &fields);
        // 拍即 即得 | e 拍 ; 审批 | 时间 | one
        assert_eq!(doc.lengths[0], 4);
        assert_eq!(doc.lengths[6], 3);
        let mut title: Vec<String> = doc
            .tokens
            .entries()
            .iter()
            .filter(|(_, o)| o.field == 0)
            .map(|(k, _)| k.text())
            .collect();
        title.sort();
        assert_eq!(title, ["e", "即", "即得", "得", "拍", "拍即"]);
        let entries = doc.tokens.entries();
        let pai = entries.iter().find(|(k, _)| k.text() == "拍").unwrap();
        assert_eq!(pai.1.count, 2);
        let e = entries.iter().find(|(k, _)| k.text() == "e").unwrap();
        assert_eq!(e.1.kept(), [4]);
    }
}
