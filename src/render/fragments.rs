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

/// Stands for a list page's cards in its template context: the cards are written into the
/// rendered page ([`splice`]), not copied through Tera (a hundred cards passed to the
/// `case_list` macro were copied four times, and checked as UTF-8 once more).
pub const CARDS_MARK: &str = "\u{E000}cards\u{E000}";

/// Stands for a page's metric rows, as [`CARDS_MARK`] for cards.
pub const ROWS_MARK: &str = "\u{E000}rows\u{E000}";

/// Stands for a case's body on its page, as [`CARDS_MARK`] for cards (7 kB a case, copied
/// into Tera's context and out again).
pub const BODY_MARK: &str = "\u{E000}body\u{E000}";

/// Stand for a case's metric table and chart, as [`BODY_MARK`] for its body (2–4 kB a case).
pub const TABLE_MARK: &str = "\u{E000}table\u{E000}";
pub const CHART_MARK: &str = "\u{E000}chart\u{E000}";

/// [`mark`] for an HTML piece that may be empty: the mark, or an empty string (which a
/// template tests as false) when there is nothing to write over it.
pub fn mark_unless_empty(mark: &'static str, html: &str) -> tera::Value {
    match html.is_empty() {
        true => "".into(),
        false => self::mark(mark),
    }
}

/// The character every mark starts with.
pub const MARK_LEAD: &str = "\u{E000}";

/// A mark as a template value: marked safe, so that it reaches the page as it is, while
/// the HTML escaper writes U+E000 as `&#xE000;` in every other value. No text of a case,
/// not even one that is a mark's text, can then pass for a mark.
pub fn mark(mark: &'static str) -> tera::Value {
    tera::Value::safe_string(mark)
}

/// Where U+E000, every mark's lead, is in `bytes`: found by its first byte, which is rare
/// in any text (U+E000–U+EFFF only). `memmem` sets up a searcher per call, a cost for the
/// short values templates print, and `str::contains` looks for its last byte, `0x80`, one
/// of the commonest in Chinese text.
pub fn find_mark_lead(bytes: &[u8]) -> Option<usize> {
    let lead = MARK_LEAD.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(lead[0], &bytes[from..]) {
        let at = from + i;
        if bytes[at..].starts_with(lead) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Writes a list's HTML at the end of a page being spliced.
pub type FillList<'a> = &'a dyn Fn(&mut Vec<u8>);

/// `page` with every occurrence of each `lists` mark replaced by what its function writes,
/// `filled` bytes in all (a guess is fine: it sizes the output, which would otherwise be
/// copied as it grows, several times for a term page's hundred cards).
pub fn splice(page: Vec<u8>, lists: &[(&str, FillList)], filled: usize) -> Vec<u8> {
    let lead = MARK_LEAD.as_bytes();
    let mut out = Vec::with_capacity(page.len() + filled);
    let mut plain = 0;
    let mut from = 0;
    while let Some(found) = memchr::memmem::find(&page[from..], lead) {
        let at = from + found;
        from = at + lead.len();
        let rest = &page[at..];
        if let Some((mark, fill)) = lists.iter().find(|(m, _)| rest.starts_with(m.as_bytes())) {
            out.extend_from_slice(&page[plain..at]);
            fill(&mut out);
            plain = at + mark.len();
            from = plain;
        }
    }
    if plain == 0 {
        return page;
    }
    out.extend_from_slice(&page[plain..]);
    out
}

/// Rendered fragments by item index; `None` for items no wanted page shows.
pub struct Fragments {
    html: Vec<Option<Fragment>>,
    /// The root prefix their marks are filled in for ([`Fragment`]).
    usual_root: &'static str,
}

/// A fragment's HTML with its [`ROOT_MARK`]s filled in for the root prefix of the pages that
/// list it most (`usual_root`: `../` for cards, shown on every case page), and where each
/// root starts: found once, since a card is listed on about ten pages (searching it for the
/// marks each time was 3 % of a build). Lists on those pages copy each fragment whole; the
/// others put their root in at `roots`.
struct Fragment {
    html: String,
    roots: Box<[u32]>,
}

impl Fragment {
    fn new(marked: String, usual_root: &str) -> Self {
        let mut marks = ROOT_FINDER.find_iter(marked.as_bytes()).peekable();
        if marks.peek().is_none() {
            return Fragment {
                html: marked,
                roots: Box::default(),
            };
        }
        let mut html = String::with_capacity(marked.len());
        let mut roots = Vec::new();
        let mut plain = 0;
        for at in marks {
            html.push_str(&marked[plain..at]);
            roots.push(html.len() as u32);
            html.push_str(usual_root);
            plain = at + ROOT_MARK.len();
        }
        html.push_str(&marked[plain..]);
        Fragment {
            html,
            roots: roots.into(),
        }
    }

    /// The length of the fragment under `root`, its marks filled in for `usual_root`.
    fn len_under(&self, root: &str, usual_root: &str) -> usize {
        self.html.len() + self.roots.len() * root.len() - self.roots.len() * usual_root.len()
    }
}

impl Fragments {
    /// Renders item `i` with `render` for every `i` where `needed[i]`, in parallel, trimmed of
    /// surrounding whitespace (lists put their own between). `render` gets a copy of `base`
    /// (what every item shares, such as the UI strings) made once per batch of items, to
    /// add the item to: the shared part is not converted again for each item. Only the first
    /// error is kept: a broken card template fails every card the same way.
    ///
    /// With a `memo` (watch mode), an item whose `key` (a hash of the template's name and
    /// input) was rendered by an earlier build is taken from there instead. `usual_root` is
    /// the root prefix of the pages that list the fragments most ([`Fragment`]).
    pub fn render(
        needed: &[bool],
        usual_root: &'static str,
        base: &tera::Context,
        memo: Option<&FragmentMemo>,
        key: impl Fn(usize) -> u64 + Sync,
        render: impl Fn(&mut tera::Context, usize) -> Result<String, Diagnostic> + Sync,
    ) -> Result<Fragments, Diagnostic> {
        let [fragments] = Fragments::render_ways(
            [needed],
            [usual_root],
            base,
            memo,
            |_, i| key(i),
            |_, _| {},
            |context, (), _, i| render(context, i),
        )?;
        Ok(fragments)
    }

    /// [`Fragments::render`] of the same items `N` ways (a metric row for term pages and for
    /// the metrics page): `prepare` readies item `i` once, for every way it is needed in
    /// (`needed[way][i]`), adding it to the context or returning what `render` needs of it,
    /// and `render` then adds what that way needs and renders. `key` takes the way's index
    /// first, `render` the prepared item and then the way's index.
    pub fn render_ways<const N: usize, P>(
        needed: [&[bool]; N],
        usual_root: [&'static str; N],
        base: &tera::Context,
        memo: Option<&FragmentMemo>,
        key: impl Fn(usize, usize) -> u64 + Sync,
        prepare: impl Fn(&mut tera::Context, usize) -> P + Sync,
        render: impl Fn(&mut tera::Context, &P, usize, usize) -> Result<String, Diagnostic> + Sync,
    ) -> Result<[Fragments; N], Diagnostic> {
        let items = needed.iter().map(|n| n.len()).max().unwrap_or(0);
        let html = (0..items)
            .into_par_iter()
            .map_init(
                || base.clone(),
                |context, i| {
                    let mut prepared = None;
                    let mut item = |way: usize| -> Result<Option<Fragment>, Diagnostic> {
                        if !needed[way].get(i).copied().unwrap_or(false) {
                            return Ok(None);
                        }
                        let key = memo.map(|memo| (memo, key(way, i)));
                        if let Some(kept) = key.and_then(|(memo, k)| memo.kept.get(&k)) {
                            return Ok(Some(Fragment::new(kept.clone(), usual_root[way])));
                        }
                        let item = match &prepared {
                            Some(item) => item,
                            None => prepared.insert(prepare(context, i)),
                        };
                        let html = render(context, item, way, i)?;
                        let html = match html.trim() {
                            trimmed if trimmed.len() == html.len() => html,
                            trimmed => trimmed.to_string(),
                        };
                        if let Some((memo, k)) = key {
                            memo.remember(k, html.clone());
                        }
                        Ok(Some(Fragment::new(html, usual_root[way])))
                    };
                    let mut ways = [const { None }; N];
                    for (way, slot) in ways.iter_mut().enumerate() {
                        *slot = item(way)?;
                    }
                    Ok(ways)
                },
            )
            .collect::<Result<Vec<[Option<Fragment>; N]>, Diagnostic>>()?;
        let mut fragments: [Fragments; N] = std::array::from_fn(|way| Fragments {
            html: Vec::with_capacity(items),
            usual_root: usual_root[way],
        });
        for ways in html {
            for (way, fragment) in ways.into_iter().enumerate() {
                fragments[way].html.push(fragment);
            }
        }
        Ok(fragments)
    }

    /// No fragments: what lists show when their item template failed (the error is reported
    /// and fails the build, but the other pages still render to report their own errors).
    pub fn none() -> Fragments {
        Fragments {
            html: Vec::new(),
            usual_root: "",
        }
    }

    /// The fragments of `items`, in order, for a page whose root prefix is `root` (pages
    /// write them with [`Fragments::extend`]; tests read them here).
    #[cfg(test)]
    pub fn join(&self, items: impl IntoIterator<Item = usize>, root: &str, sep: &str) -> String {
        let mut out = String::new();
        let _ = self.pieces(items, root, sep, &mut |piece| {
            out.push_str(piece);
            Ok(())
        });
        out
    }

    /// The length of what [`Fragments::extend`] writes, without writing it.
    pub fn joined_len(
        &self,
        items: impl IntoIterator<Item = usize>,
        root: &str,
        sep: &str,
    ) -> usize {
        let lengths = items.into_iter().filter_map(|i| match self.html.get(i) {
            Some(Some(f)) => Some(f.len_under(root, self.usual_root)),
            _ => None,
        });
        lengths
            .enumerate()
            .map(|(n, len)| len + if n > 0 { sep.len() } else { 0 })
            .sum()
    }

    /// The fragments of `items`, in order, for a page whose root prefix is `root`, added to
    /// the end of `out` (a page being spliced, [`splice`]).
    pub fn extend(
        &self,
        out: &mut Vec<u8>,
        items: impl IntoIterator<Item = usize>,
        root: &str,
        sep: &str,
    ) {
        let _ = self.pieces(items, root, sep, &mut |piece| {
            out.extend_from_slice(piece.as_bytes());
            Ok(())
        });
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
            let Some(Some(Fragment { html, roots })) = self.html.get(i) else {
                continue;
            };
            if !std::mem::take(&mut first) {
                put(sep)?;
            }
            if root == self.usual_root {
                put(html)?;
                continue;
            }
            let mut plain = 0;
            for &at in roots.iter() {
                put(&html[plain..at as usize])?;
                put(root)?;
                plain = at as usize + self.usual_root.len();
            }
            put(&html[plain..])?;
        }
        Ok(())
    }
}

/// `html` with every [`ROOT_MARK`] replaced by `root`.
pub fn fill_root(html: &str, root: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut plain = 0;
    for at in ROOT_FINDER.find_iter(html.as_bytes()) {
        out.push_str(&html[plain..at]);
        out.push_str(root);
        plain = at + ROOT_MARK.len();
    }
    out.push_str(&html[plain..]);
    out
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
    /// The long lists of the last build (the metric table's rows, the exports' lines), by
    /// name.
    lists: Mutex<HashMap<&'static str, KeptList>>,
}

/// A long list's bytes as the last build wrote them, with each item's key and where its
/// bytes end: a save that changes one case copies the runs of unchanged items around it in
/// one piece each, instead of looking up 20,000 items one by one.
#[derive(Default)]
struct KeptList {
    keys: Vec<u64>,
    ends: Vec<usize>,
    bytes: Vec<u8>,
}

impl KeptList {
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = i.checked_sub(1).map_or(0, |j| self.ends[j]);
        start..self.ends[i]
    }
}

/// Where a list item's bytes come from.
enum Source {
    /// The last build's bytes of this item.
    Kept(std::ops::Range<usize>),
    Make,
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

    fn remember(&self, key: u64, text: String) {
        lock(&self.fresh).push((key, text));
    }

    /// Writes the `count` items of the list `name` to `w`, each item's bytes being what
    /// `make` returns for it (separator included: an item's key must say whether it comes
    /// first). An item whose `key` the last build's list had is copied from there, and
    /// consecutive ones in one piece; the others are made, in parallel.
    pub fn write_list(
        &self,
        name: &'static str,
        count: usize,
        key: &(dyn Fn(usize) -> u64 + Sync),
        make: &(dyn Fn(usize) -> std::io::Result<Vec<u8>> + Sync),
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let old = lock(&self.lists).remove(name).unwrap_or_default();
        let keys: Vec<u64> = (0..count).into_par_iter().map(key).collect();
        let sources = sources(&old, &keys);
        let made: Vec<(usize, Vec<u8>)> = sources
            .par_iter()
            .enumerate()
            .filter(|(_, source)| matches!(source, Source::Make))
            .map(|(i, _)| make(i).map(|bytes| (i, bytes)))
            .collect::<std::io::Result<_>>()?;
        let mut list = KeptList {
            keys,
            ends: Vec::with_capacity(count),
            bytes: Vec::with_capacity(old.bytes.len()),
        };
        let mut made = made.into_iter().peekable();
        let mut run = 0..0;
        for (i, source) in sources.into_iter().enumerate() {
            match source {
                Source::Kept(range) if range.start == run.end && !run.is_empty() => {
                    run.end = range.end
                }
                Source::Kept(range) => {
                    list.bytes.extend_from_slice(&old.bytes[run]);
                    run = range;
                }
                Source::Make => {
                    list.bytes
                        .extend_from_slice(&old.bytes[std::mem::take(&mut run)]);
                    let (_, bytes) = made.next_if(|(at, _)| *at == i).unwrap_or_default();
                    list.bytes.extend_from_slice(&bytes);
                }
            }
            list.ends.push(list.bytes.len() + run.len());
        }
        list.bytes.extend_from_slice(&old.bytes[run]);
        w.write_all(&list.bytes)?;
        lock(&self.lists).insert(name, list);
        Ok(())
    }

    /// Forgets everything: the templates or settings changed.
    pub fn clear(&mut self) {
        *self = FragmentMemo::default();
    }
}

/// Where each item of a list with `keys` comes from: the same place in the `old` list when
/// the key there is the same (the usual case: a save changes one case), else wherever the
/// old list had its key, else it is made.
fn sources(old: &KeptList, keys: &[u64]) -> Vec<Source> {
    let mut by_key: Option<HashMap<u64, usize, BuildHasherDefault<KeyHasher>>> = None;
    keys.iter()
        .enumerate()
        .map(|(i, &key)| {
            if old.keys.get(i) == Some(&key) {
                return Source::Kept(old.range(i));
            }
            let by_key = by_key
                .get_or_insert_with(|| old.keys.iter().enumerate().map(|(j, &k)| (k, j)).collect());
            by_key
                .get(&key)
                .map_or(Source::Make, |&j| Source::Kept(old.range(j)))
        })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_every_mark_and_leaves_other_private_use_text() {
        let page = format!("a{CARDS_MARK}b\u{E000}x{ROWS_MARK}c{CARDS_MARK}").into_bytes();
        let cards = |out: &mut Vec<u8>| out.extend_from_slice(b"[cards]");
        let rows = |out: &mut Vec<u8>| out.extend_from_slice(b"[rows]");
        let spliced = splice(page, &[(CARDS_MARK, &cards), (ROWS_MARK, &rows)], 0);
        assert_eq!(
            String::from_utf8(spliced).unwrap(),
            "a[cards]b\u{E000}x[rows]c[cards]"
        );
        let plain = b"no marks \xee\x80\x80 here".to_vec();
        assert_eq!(splice(plain.clone(), &[(CARDS_MARK, &cards)], 9), plain);
    }

    #[test]
    fn joins_needed_fragments_with_the_root_filled_in() {
        let needed = [true, false, true];
        // Whatever root the marks are filled in for, every page gets its own.
        for usual_root in ["../", "", "../../"] {
            let fragments = Fragments::render(
                &needed,
                usual_root,
                &tera::Context::new(),
                None,
                |i| i as u64,
                |_, i| match i {
                    0 => Ok(format!("<a href=\"{ROOT_MARK}c/0.html\">{ROOT_MARK}</a>")),
                    _ => Ok(format!("<a href=\"{ROOT_MARK}c/{i}.html\">{i}</a>")),
                },
            )
            .unwrap();
            assert_eq!(
                fragments.join([2, 1, 0], "../", "\n"),
                "<a href=\"../c/2.html\">2</a>\n<a href=\"../c/0.html\">../</a>"
            );
            assert_eq!(fragments.join([0], "", ""), "<a href=\"c/0.html\"></a>");
            assert_eq!(
                fragments.join([2, 0], "../../", ""),
                "<a href=\"../../c/2.html\">2</a><a href=\"../../c/0.html\">../../</a>"
            );
            let lists = [
                (&[2, 1, 0][..], "../", "\n"),
                (&[0][..], "", ""),
                (&[0, 2][..], "../../", " "),
            ];
            for (items, root, sep) in lists {
                let joined = fragments.join(items.iter().copied(), root, sep);
                let len = fragments.joined_len(items.iter().copied(), root, sep);
                assert_eq!(len, joined.len(), "{joined}");
            }
        }
    }

    #[test]
    fn a_fragment_without_marks_is_the_same_under_every_root() {
        let fragments = Fragments::render(
            &[true],
            "../",
            &tera::Context::new(),
            None,
            |i| i as u64,
            |_, _| Ok("<p>plain</p>".to_string()),
        )
        .unwrap();
        for root in ["", "../", "../../"] {
            assert_eq!(fragments.join([0], root, ""), "<p>plain</p>");
            assert_eq!(fragments.joined_len([0], root, ""), "<p>plain</p>".len());
        }
    }

    #[test]
    fn items_rendered_two_ways_are_prepared_once() {
        let prepared = std::sync::atomic::AtomicUsize::new(0);
        let [first, second] = Fragments::render_ways(
            [&[true, false, true], &[true, true, false]],
            ["../", ""],
            &tera::Context::new(),
            None,
            |way, i| (way * 10 + i) as u64,
            |context, i| {
                prepared.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                context.insert("i", &i);
                i * 100
            },
            |context, item, way, i| {
                assert_eq!(
                    context.get("i"),
                    Some(&tera::Value::from(i)),
                    "prepared for {i}"
                );
                assert_eq!(*item, i * 100, "what prepare returned for {i}");
                Ok(format!("{way}:{i}"))
            },
        )
        .unwrap();
        assert_eq!(first.join([0, 1, 2], "", " "), "0:0 0:2");
        assert_eq!(second.join([0, 1, 2], "", " "), "1:0 1:1");
        assert_eq!(prepared.into_inner(), 3, "once for each item any way needs");
    }

    #[test]
    fn the_first_error_fails_the_whole_set() {
        let result = Fragments::render(
            &[true, true],
            "../",
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

    fn list(memo: &FragmentMemo, items: &[&str], made: &Mutex<Vec<usize>>) -> String {
        let key = |i: usize| crate::hash::hash_of(items[i]);
        let make = |i: usize| {
            made.lock().unwrap().push(i);
            Ok(format!("<{}>", items[i]).into_bytes())
        };
        let mut out = Vec::new();
        memo.write_list("l", items.len(), &key, &make, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lists_copy_unchanged_items_and_make_the_others() {
        let memo = FragmentMemo::default();
        let made = Mutex::new(Vec::new());
        assert_eq!(list(&memo, &["a", "b", "c"], &made), "<a><b><c>");
        assert_eq!(made.lock().unwrap().len(), 3);
        made.lock().unwrap().clear();
        assert_eq!(list(&memo, &["a", "B", "c"], &made), "<a><B><c>");
        assert_eq!(*made.lock().unwrap(), [1], "only the changed item is made");
        made.lock().unwrap().clear();
        let moved = list(&memo, &["x", "a", "c", "B"], &made);
        assert_eq!(moved, "<x><a><c><B>", "items found by key where they moved");
        assert_eq!(*made.lock().unwrap(), [0]);
        made.lock().unwrap().clear();
        assert_eq!(list(&memo, &[], &made), "");
        assert_eq!(list(&memo, &["c"], &made), "<c>");
    }

    #[test]
    fn a_memo_reuses_fragments_of_unchanged_items() {
        let mut memo = FragmentMemo::default();
        let base = tera::Context::new();
        let first = Fragments::render(
            &[true, true],
            "",
            &base,
            Some(&memo),
            |i| i as u64,
            |_, i| Ok(format!("v1-{i}")),
        );
        assert_eq!(first.unwrap().join([0, 1], "", ","), "v1-0,v1-1");
        memo.settle(100);
        // Item 1 changed (new key): only it renders again.
        let key = |i: usize| if i == 1 { 11 } else { i as u64 };
        let second = Fragments::render(&[true, true], "", &base, Some(&memo), key, |_, i| {
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
