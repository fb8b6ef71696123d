//! Case cards and metric rows, rendered once per build and spliced into every list.
//!
//! At 10,000 cases each case is listed on an index page, on about five term pages and among
//! the related cases of about five others, and each metric row on about five term pages.
//! Rendering a card through Tera every time it is listed was the largest share of a build, so
//! each card (and row) is rendered once, with [`ROOT_MARK`] where the page's root prefix goes,
//! and a list is the concatenation of its fragments with the prefix filled in.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;

/// Stands for the page's root prefix (`""`, `"../"`) in a fragment. Private-use characters
/// are left alone by the HTML escaper, and this sequence of them around a word occurs in no
/// template and in no real text.
pub const ROOT_MARK: &str = "\u{E000}root\u{E000}";

/// Rendered fragments by item index; `None` for items no wanted page shows.
pub struct Fragments {
    html: Vec<Option<String>>,
}

impl Fragments {
    /// Renders item `i` with `render` for every `i` where `needed[i]`, in parallel, trimmed of
    /// surrounding whitespace (lists put their own between). `render` gets a copy of `base`
    /// (what every item shares, such as the UI strings) made once per batch of items, to
    /// add the item to: the shared part is not converted again for each item. Only the first
    /// error is kept: a broken card template fails every card the same way.
    ///
    /// With a `memo` (watch mode), an item whose `key` (a hash of the template's name and
    /// input) was rendered by an earlier build is taken from there instead.
    pub fn render(
        needed: &[bool],
        base: &tera::Context,
        memo: Option<&FragmentMemo>,
        key: impl Fn(usize) -> u64 + Sync,
        render: impl Fn(&mut tera::Context, usize) -> Result<String, Diagnostic> + Sync,
    ) -> Result<Fragments, Diagnostic> {
        let html = needed
            .par_iter()
            .enumerate()
            .map_init(
                || base.clone(),
                |context, (i, &needed)| {
                    if !needed {
                        return Ok(None);
                    }
                    let key = memo.map(|memo| (memo, key(i)));
                    if let Some(kept) = key.and_then(|(memo, k)| memo.kept.get(&k)) {
                        return Ok(Some(kept.clone()));
                    }
                    let html = render(context, i)?;
                    let html = match html.trim() {
                        trimmed if trimmed.len() == html.len() => html,
                        trimmed => trimmed.to_string(),
                    };
                    if let Some((memo, k)) = key {
                        memo.remember(k, html.clone());
                    }
                    Ok(Some(html))
                },
            )
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        Ok(Fragments { html })
    }

    /// No fragments: what lists show when their item template failed (the error is reported
    /// and fails the build, but the other pages still render to report their own errors).
    pub fn none() -> Fragments {
        Fragments { html: Vec::new() }
    }

    /// The fragments of `items`, in order, for a page whose root prefix is `root`.
    pub fn join(&self, items: impl IntoIterator<Item = usize>, root: &str, sep: &str) -> String {
        let mut out = String::new();
        let _ = self.pieces(items, root, sep, &mut |piece| {
            out.push_str(piece);
            Ok(())
        });
        out
    }

    /// [`Fragments::join`], written to `w` (for a page too big to hold: `metrics.html` at
    /// 100,000 cases).
    pub fn write_to(
        &self,
        w: &mut dyn std::io::Write,
        items: impl IntoIterator<Item = usize>,
        root: &str,
        sep: &str,
    ) -> std::io::Result<()> {
        self.pieces(items, root, sep, &mut |piece| w.write_all(piece.as_bytes()))
    }

    /// The pieces of the joined fragments, in order, each handed to `put`.
    fn pieces(
        &self,
        items: impl IntoIterator<Item = usize>,
        root: &str,
        sep: &str,
        put: &mut dyn FnMut(&str) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut first = true;
        for i in items {
            let Some(Some(html)) = self.html.get(i) else {
                continue;
            };
            if !std::mem::take(&mut first) {
                put(sep)?;
            }
            let mut plain = 0;
            for at in ROOT_FINDER.find_iter(html.as_bytes()) {
                put(&html[plain..at])?;
                put(root)?;
                plain = at + ROOT_MARK.len();
            }
            put(&html[plain..])?;
        }
        Ok(())
    }
}

/// Finds [`ROOT_MARK`]; built once (`str::split` would set up a searcher per fragment).
static ROOT_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(ROOT_MARK));

/// The memo's keys are hashes already: its map takes them as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What watch mode lends a build so it can reuse fragments: the memo, and for each case a key
/// that changes whenever anything its card or metric rows show changes.
#[derive(Clone, Copy)]
pub struct Reuse<'a> {
    pub memo: &'a FragmentMemo,
    pub case_keys: &'a [u64],
    /// The size of each output file in the last build (0 if new): the long streamed files
    /// (the metrics page, the exports) are collected into buffers of that size, not grown.
    pub sizes: &'a (dyn Fn(&str) -> usize + Sync),
}

/// Fragments kept between the builds of one watch session: a save that retitles one case
/// renders its card and rows again, not the 30,000 others of a 10,000-case collection.
#[derive(Default)]
pub struct FragmentMemo {
    kept: HashMap<u64, String, BuildHasherDefault<KeyHasher>>,
    /// Rendered by the current build.
    fresh: Mutex<Vec<(u64, String)>>,
}

impl FragmentMemo {
    /// Keeps what the last build rendered for the next; starts over past `limit` entries
    /// (every edit leaves its old versions behind).
    pub fn settle(&mut self, limit: usize) {
        let fresh = std::mem::take(self.fresh.get_mut().unwrap_or_else(|e| e.into_inner()));
        if self.kept.len() + fresh.len() > limit {
            self.kept.clear();
        }
        self.kept.extend(fresh);
    }

    /// The text kept for `key` by an earlier build, or `make`'s, kept for the next.
    pub fn get_or_make<E>(
        &self,
        key: u64,
        make: impl FnOnce() -> Result<String, E>,
    ) -> Result<std::borrow::Cow<'_, str>, E> {
        if let Some(kept) = self.kept.get(&key) {
            return Ok(std::borrow::Cow::Borrowed(kept));
        }
        let made = make()?;
        self.remember(key, made.clone());
        Ok(std::borrow::Cow::Owned(made))
    }

    fn remember(&self, key: u64, text: String) {
        let mut fresh = self.fresh.lock().unwrap_or_else(|e| e.into_inner());
        fresh.push((key, text));
    }

    /// Forgets everything: the templates or settings changed.
    pub fn clear(&mut self) {
        *self = FragmentMemo::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_needed_fragments_with_the_root_filled_in() {
        let needed = [true, false, true];
        let fragments = Fragments::render(
            &needed,
            &tera::Context::new(),
            None,
            |i| i as u64,
            |_, i| Ok(format!("<a href=\"{ROOT_MARK}c/{i}.html\">{i}</a>")),
        )
        .unwrap();
        assert_eq!(
            fragments.join([2, 1, 0], "../", "\n"),
            "<a href=\"../c/2.html\">2</a>\n<a href=\"../c/0.html\">0</a>"
        );
        assert_eq!(fragments.join([0], "", ""), "<a href=\"c/0.html\">0</a>");
    }

    #[test]
    fn the_first_error_fails_the_whole_set() {
        let result = Fragments::render(
            &[true, true],
            &tera::Context::new(),
            None,
            |i| i as u64,
            |_, i| match i {
                0 => Ok(String::new()),
                _ => Err(Diagnostic::error("templates/case_card.html", "broken")),
            },
        );
        assert!(result.is_err());
    }

    #[test]
    fn a_memo_reuses_fragments_of_unchanged_items() {
        let mut memo = FragmentMemo::default();
        let base = tera::Context::new();
        let first = Fragments::render(
            &[true, true],
            &base,
            Some(&memo),
            |i| i as u64,
            |_, i| Ok(format!("v1-{i}")),
        );
        assert_eq!(first.unwrap().join([0, 1], "", ","), "v1-0,v1-1");
        memo.settle(100);
        // Item 1 changed (new key): only it renders again.
        let key = |i: usize| if i == 1 { 11 } else { i as u64 };
        let second = Fragments::render(&[true, true], &base, Some(&memo), key, |_, i| {
            Ok(format!("v2-{i}"))
        });
        assert_eq!(second.unwrap().join([0, 1], "", ","), "v1-0,v2-1");
        memo.settle(2);
        assert_eq!(
            memo.kept.len(),
            1,
            "past the limit only the last build's are kept"
        );
    }
}
