//! Tokenising text for the search index, the same way `static/search.js` tokenises queries.
//!
//! Chinese has no spaces, so splitting on whitespace (what Zola and mdBook do) leaves a whole
//! sentence as one "word" that no query matches. Instead, runs of CJK characters become
//! overlapping character bigrams (`拍即得` → `拍即`, `即得`), which match any query of two
//! or more characters without a dictionary; the index also holds single characters, so a
//! one-character query still finds something. Letters and digits of other scripts form
//! lower-cased words. Text is NFKC-normalised first, so full-width `ＣＭＡ` is `cma`.
//!
//! Every token carries a position: one step per CJK character or word, one extra step at
//! each run of punctuation or spaces. A query's tokens found at the same relative positions
//! in a field are adjacent there, which ranking rewards. The JavaScript side mirrors these
//! rules exactly; both are tested against `tests/fixtures/search/tokenize_vectors.json`.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// A token and its position in the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub position: u32,
}

/// Whether tokens are made for the index or for a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bigrams and every single CJK character.
    Index,
    /// Bigrams only, except a lone CJK character, which stays a unigram.
    Query,
}

/// Characters that are written without spaces: Han, kana, Hangul.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3005..=0x3007
        | 0x3040..=0x30FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF
        | 0x20000..=0x2FA1F)
}

/// Characters that make up words: letters and digits (after normalisation).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// The normalised form both sides tokenise: NFKC, then lower case. Most text (Chinese,
/// plain ASCII) is already in NFKC and lower case, which quick checks confirm without
/// copying it: first for characters known to be both (lower-case ASCII and the common CJK
/// ideographs), then with the Unicode tables.
pub fn normalize(text: &str) -> Cow<'_, str> {
    use unicode_normalization::{is_nfkc_quick, IsNormalized};
    if all_stable(text) {
        return text.into();
    }
    let nfkc: Cow<str> = match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => text.into(),
        _ => text.nfkc().collect::<String>().into(),
    };
    if nfkc.chars().any(char::is_uppercase) {
        nfkc.to_lowercase().into()
    } else {
        nfkc
    }
}

/// Whether every character of `text` [`is_stable`], read a byte at a time for the characters
/// of most text: ASCII, and the ideographs U+4E00–U+9FFF, which UTF-8 writes as E5–E9 or as
/// E4 and a byte from B8, then two more bytes.
fn all_stable(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&lead) = bytes.get(at) {
        at += match lead {
            b'A'..=b'Z' => return false,
            0..=0x7F => 1,
            0xE5..=0xE9 => 3,
            0xE4 if bytes[at + 1] >= 0xB8 => 3,
            _ => match text[at..].chars().next() {
                Some(c) if is_stable(c) => c.len_utf8(),
                _ => return false,
            },
        };
    }
    true
}

/// Characters that NFKC and lower-casing leave alone and that compose with nothing: lower-case
/// ASCII, the common CJK ideographs and the punctuation of Chinese text.
fn is_stable(c: char) -> bool {
    (c.is_ascii() && !c.is_ascii_uppercase())
        || matches!(c as u32,
            0x4E00..=0x9FFF
            | 0x3001..=0x3002
            | 0x3008..=0x3011
            | 0x3014..=0x3015
            | 0x2014
            | 0x2018..=0x2019
            | 0x201C..=0x201D
            | 0xB7)
}

/// Splits `text` into tokens with positions.
pub fn tokenize(text: &str, mode: Mode) -> Vec<Token> {
    let mut tokens = Vec::new();
    for_each_token(text, mode, |text, position| {
        tokens.push(Token {
            text: text.to_string(),
            position,
        })
    });
    tokens
}

/// Calls `emit(token, position)` for every token of `text`, in order, without allocating a
/// string per token.
pub fn for_each_token(text: &str, mode: Mode, mut emit: impl FnMut(&str, u32)) {
    let mut buffer = String::with_capacity(8);
    for_each_raw_token(text, |token, position, in_query| {
        if mode == Mode::Query && !in_query {
            return;
        }
        match token {
            RawToken::Word(word) => emit(word, position),
            RawToken::Cjk(first, second) => {
                buffer.clear();
                buffer.push(first);
                buffer.extend(second);
                emit(&buffer, position)
            }
        }
    });
}

/// A token as the index builder takes it: a CJK unigram or bigram as its characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawToken<'a> {
    Word(&'a str),
    Cjk(char, Option<char>),
}

/// Calls `emit(token, position, in_query)` for every token of the index, `in_query` telling
/// whether [`Mode::Query`] makes it too.
pub fn for_each_raw_token(text: &str, mut emit: impl FnMut(RawToken, u32, bool)) {
    let mut tokens = Collect(Vec::new());
    index_tokens(text, &mut tokens);
    for (token, position, in_query) in &tokens.0 {
        let raw = match token {
            Owned::Word(word) => RawToken::Word(word),
            Owned::Cjk(first, second) => RawToken::Cjk(*first, *second),
        };
        emit(raw, *position, *in_query);
    }
}

/// What [`index_tokens`] hands the tokens of a text to, each kind to its own method: the
/// index builder runs them for every character, so they are inlined into the loop, and
/// none needs to look at which kind of token it was given.
pub trait IndexTokens {
    /// A CJK character; `alone` when it is its run's only one (then a query token too).
    fn unigram(&mut self, c: char, position: u32, alone: bool);
    /// Two CJK characters side by side (a query token too).
    fn bigram(&mut self, first: char, second: char, position: u32);
    /// A word (a query token too).
    fn word(&mut self, word: &str, position: u32);
    /// Forgets the tokens handed over so far: the text is read again, normalised.
    fn restart(&mut self);
}

/// [`IndexTokens`] into a list, for [`for_each_raw_token`].
struct Collect(Vec<(Owned, u32, bool)>);

/// A [`RawToken`] that owns its word: the word may be from a normalised copy of the text.
enum Owned {
    Word(String),
    Cjk(char, Option<char>),
}

impl IndexTokens for Collect {
    fn unigram(&mut self, c: char, position: u32, alone: bool) {
        self.0.push((Owned::Cjk(c, None), position, alone))
    }
    fn bigram(&mut self, first: char, second: char, position: u32) {
        self.0
            .push((Owned::Cjk(first, Some(second)), position, true))
    }
    fn word(&mut self, word: &str, position: u32) {
        self.0.push((Owned::Word(word.to_string()), position, true))
    }
    fn restart(&mut self) {
        self.0.clear()
    }
}

/// Hands every token of the index to `tokens`, in order: what the index builder calls, to
/// count a field's length (in query tokens) in the same pass that collects its tokens.
///
/// Most text is already normalised (see [`normalize`]): it is read as it is, each character
/// checked on the way, and read again normalised (the tokens so far forgotten) only when a
/// character is found that normalising might change. That saves a pass over every text.
pub fn index_tokens(text: &str, tokens: &mut impl IndexTokens) {
    if !scan(text, tokens, true) {
        tokens.restart();
        scan(&normalize(text), tokens, false);
    }
}

/// One pass over the characters of `text`, emitting as it goes: a word is a slice of the
/// text (normalised, so already lower case), and a CJK run needs no buffer, because a
/// character's unigram and bigram can be emitted as soon as the next character is seen; only
/// the run's last unigram waits for the run's end, which says whether it stood alone. With
/// `check`, stops at the first character that is not [`is_stable`] and returns false.
#[inline]
fn scan(text: &str, tokens: &mut impl IndexTokens, check: bool) -> bool {
    let mut scan = Scan::new(text);
    for (at, c) in text.char_indices() {
        match class(c, check) {
            Class::Cjk => scan.cjk(at, c, tokens),
            Class::Word => scan.word_char(at, tokens),
            Class::Other => scan.other(at, tokens),
            Class::Unstable => return false,
        }
    }
    scan.other(text.len(), tokens);
    true
}

/// What a character does to the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Cjk,
    Word,
    Other,
    /// Not [`is_stable`], when that is asked: normalising might change it.
    Unstable,
}

/// [`is_cjk`], else [`is_word_char`] (with `check`, first [`is_stable`]), answered without
/// the Unicode tables for ASCII, the common CJK ideographs and general and CJK punctuation
/// (the characters of most text), and for them in the same comparisons. Always inlined:
/// it runs for every character, and left to itself the compiler made it a call.
#[inline(always)]
fn class(c: char, check: bool) -> Class {
    match c as u32 {
        0x4E00..=0x9FFF => Class::Cjk,
        0x41..=0x5A if check => Class::Unstable,
        0..=0x7F if c.is_ascii_alphanumeric() => Class::Word,
        0..=0x7F => Class::Other,
        _ if check && !is_stable(c) => Class::Unstable,
        0x2000..=0x206F | 0x3000..=0x3004 | 0x3008..=0x3020 => Class::Other,
        _ if is_cjk(c) => Class::Cjk,
        _ if is_word_char(c) => Class::Word,
        _ => Class::Other,
    }
}

/// The state of [`scan`] between characters of `text`. Its methods are inlined into
/// the loop: they run for every character.
struct Scan<'t> {
    text: &'t str,
    /// The position of the next word or CJK character.
    position: u32,
    /// Where the word being read started (a byte offset in the text).
    word: Option<usize>,
    /// The CJK run being read: its last character, and whether that is its only one.
    run: Option<(char, bool)>,
    /// Whether punctuation or spaces came since the last token: the next one is a step
    /// further.
    gap: bool,
}

impl<'t> Scan<'t> {
    fn new(text: &'t str) -> Self {
        Scan {
            text,
            position: 0,
            word: None,
            run: None,
            gap: false,
        }
    }

    /// A CJK character at byte `at`: the previous one's unigram and their bigram are known.
    #[inline]
    fn cjk(&mut self, at: usize, c: char, tokens: &mut impl IndexTokens) {
        self.end_word(at, tokens);
        match self.run {
            Some((last, _)) => {
                let previous = self.position - 1;
                tokens.unigram(last, previous, false);
                tokens.bigram(last, c, previous);
                self.run = Some((c, false));
            }
            None => {
                self.step_over_gap();
                self.run = Some((c, true));
            }
        }
        self.position += 1;
    }

    #[inline]
    fn word_char(&mut self, at: usize, tokens: &mut impl IndexTokens) {
        self.end_run(tokens);
        if self.word.is_none() {
            self.step_over_gap();
            self.word = Some(at);
        }
    }

    /// Punctuation or a space at byte `at`, or the end of the text (`at` its length).
    #[inline]
    fn other(&mut self, at: usize, tokens: &mut impl IndexTokens) {
        self.gap |= self.word.is_some() || self.run.is_some();
        self.end_word(at, tokens);
        self.end_run(tokens);
    }

    fn step_over_gap(&mut self) {
        if std::mem::take(&mut self.gap) {
            self.position += 1;
        }
    }

    #[inline]
    fn end_word(&mut self, at: usize, tokens: &mut impl IndexTokens) {
        if let Some(start) = self.word.take() {
            tokens.word(&self.text[start..at], self.position);
            self.position += 1;
        }
    }

    #[inline]
    fn end_run(&mut self, tokens: &mut impl IndexTokens) {
        if let Some((last, alone)) = self.run.take() {
            tokens.unigram(last, self.position - 1, alone);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn texts(text: &str, mode: Mode) -> Vec<(String, u32)> {
        tokenize(text, mode)
            .into_iter()
            .map(|t| (t.text, t.position))
            .collect()
    }

    fn pairs(list: &[(&str, u32)]) -> Vec<(String, u32)> {
        list.iter().map(|(s, p)| (s.to_string(), *p)).collect()
    }

    #[test]
    fn cjk_runs_become_bigrams_and_unigrams() {
        assert_eq!(
            texts("拍即得", Mode::Index),
            pairs(&[("拍", 0), ("拍即", 0), ("即", 1), ("即得", 1), ("得", 2)])
        );
        assert_eq!(
            texts("拍即得", Mode::Query),
            pairs(&[("拍即", 0), ("即得", 1)])
        );
        assert_eq!(texts("拍", Mode::Query), pairs(&[("拍", 0)]));
    }

    #[test]
    fn mixed_latin_and_cjk_without_spaces() {
        assert_eq!(
            texts("e拍即得", Mode::Query),
            pairs(&[("e", 0), ("拍即", 1), ("即得", 2)])
        );
    }

    #[test]
    fn stable_characters_are_what_nfkc_and_lower_case_keep() {
        use unicode_normalization::UnicodeNormalization;
        let stable: String = (0..0x11_0000u32)
            .filter_map(char::from_u32)
            .filter(|&c| is_stable(c))
            .collect();
        assert_eq!(stable.nfkc().collect::<String>(), stable);
        assert_eq!(stable.to_lowercase(), stable);
        assert!(matches!(normalize(&stable), Cow::Borrowed(_)));
        assert_eq!(normalize("Ａ，“审批”"), "a,“审批”");
    }

    #[test]
    fn stable_text_is_found_stable_a_byte_at_a_time() {
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            let text = format!("a{c}审");
            assert_eq!(all_stable(&text), is_stable(c), "{c:?}");
        }
        assert!(all_stable(""));
        assert!(all_stable("审批、“时间” one"));
        assert!(!all_stable("审批，时间"));
        assert!(!all_stable("审批 One"));
    }

    #[test]
    fn full_width_and_case_are_normalised() {
        assert_eq!(
            texts("ＣＭＡ认证", Mode::Query),
            texts("cma认证", Mode::Query)
        );
        assert_eq!(texts("Ｈｅｌｌｏ", Mode::Query), pairs(&[("hello", 0)]));
    }

    #[test]
    fn punctuation_breaks_adjacency() {
        assert_eq!(
            texts("审批，时间", Mode::Query),
            pairs(&[("审批", 0), ("时间", 3)])
        );
        assert_eq!(
            texts("one-window  permits", Mode::Query),
            pairs(&[("one", 0), ("window", 2), ("permits", 4)])
        );
    }

    /// The tokeniser as first written, buffering words and CJK runs: what the one-pass
    /// [`for_each_raw_token`] must match.
    fn reference(text: &str) -> Vec<(String, u32, bool)> {
        let text = normalize(text);
        let mut out = Vec::new();
        let mut position = 0u32;
        let mut word = String::new();
        let mut run: Vec<char> = Vec::new();
        let mut gap = false;
        let flush_word = |word: &mut String, position: &mut u32, out: &mut Vec<_>| {
            if !word.is_empty() {
                out.push((std::mem::take(word), *position, true));
                *position += 1;
            }
        };
        let flush_run = |run: &mut Vec<char>, position: &mut u32, out: &mut Vec<_>| {
            for (i, &c) in run.iter().enumerate() {
                let at = *position + i as u32;
                out.push((c.to_string(), at, run.len() == 1));
                if let Some(&next) = run.get(i + 1) {
                    out.push((format!("{c}{next}"), at, true));
                }
            }
            *position += run.len() as u32;
            run.clear();
        };
        for c in text.chars() {
            if is_cjk(c) {
                flush_word(&mut word, &mut position, &mut out);
                run.push(c);
            } else if is_word_char(c) {
                flush_run(&mut run, &mut position, &mut out);
                word.push(c);
            } else {
                gap = !(word.is_empty() && run.is_empty()) || gap;
                flush_word(&mut word, &mut position, &mut out);
                flush_run(&mut run, &mut position, &mut out);
                continue;
            }
            if gap {
                position += 1;
                gap = false;
            }
        }
        flush_word(&mut word, &mut position, &mut out);
        flush_run(&mut run, &mut position, &mut out);
        out
    }

    fn raw_tokens(text: &str) -> Vec<(String, u32, bool)> {
        let mut out = Vec::new();
        for_each_raw_token(text, |token, position, in_query| {
            let text = match token {
                RawToken::Word(word) => word.to_string(),
                RawToken::Cjk(first, second) => {
                    [Some(first), second].into_iter().flatten().collect()
                }
            };
            out.push((text, position, in_query))
        });
        out
    }

    #[test]
    fn character_classes_match_the_unicode_tables() {
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            let expected = if is_cjk(c) {
                Class::Cjk
            } else if is_word_char(c) {
                Class::Word
            } else {
                Class::Other
            };
            assert_eq!(class(c, false), expected, "{c:?}");
            let checked = if is_stable(c) {
                expected
            } else {
                Class::Unstable
            };
            assert_eq!(class(c, true), checked, "{c:?}");
        }
    }

    #[test]
    fn one_pass_matches_the_buffering_tokeniser() {
        // Texts made of pieces that meet in every order: runs of one and more CJK
        // characters, words, digits, punctuation, spaces, full-width and combining forms.
        let pieces = [
            "拍",
            "即得",
            "审批时间",
            "e",
            "APP",
            "60",
            "x86_64",
            "，",
            "。",
            " ",
            "  ",
            "\n",
            "“",
            "”",
            "-",
            "Ｈｅｌｌｏ",
            "①",
            "ﾃｽﾄ",
            "한국",
            "e\u{301}",
            "\u{301}",
            "Σ",
            "々",
            "𠀀𠀁",
            "·",
            "—",
            "",
        ];
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize
        };
        for _ in 0..20_000 {
            let text: String = (0..next() % 9)
                .map(|_| pieces[next() % pieces.len()])
                .collect();
            assert_eq!(raw_tokens(&text), reference(&text), "{text:?}");
        }
    }

    #[derive(Deserialize)]
    struct Vector {
        text: String,
        index: Vec<(String, u32)>,
        query: Vec<(String, u32)>,
    }

    /// The vectors `static/search.js` is tested against too (tests/search_js.rs).
    #[test]
    fn shared_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/search/tokenize_vectors.json"
        );
        let vectors: Vec<Vector> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(vectors.len() >= 10);
        for v in vectors {
            assert_eq!(texts(&v.text, Mode::Index), v.index, "index: {:?}", v.text);
            assert_eq!(texts(&v.text, Mode::Query), v.query, "query: {:?}", v.text);
        }
    }
}
