//! Parsed content kept between builds, so watch mode re-reads only the files that changed.
//!
//! A one-shot `build` parses every file once and never needs this. `casebook watch` rebuilds
//! after every save, and parsing front matter and rendering Markdown for a 10,000-case
//! collection takes seconds; with the cache a save costs one file's parse. A file is re-read
//! when its stamp (size, modification time, inode) differs from the cached one or when the
//! watcher reported it ([`ContentCache::invalidate`]), since a same-size rewrite within one
//! clock tick keeps its stamp. Parsed values are *moved* out for a build and moved back by
//! [`ContentCache::restore`]; a value that does not come back is simply parsed again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

use super::case::Case;
use super::{Content, Found, Parsed};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::render::markdown::MarkdownRenderer;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        })
    }
}

struct Entry {
    stamp: Option<Stamp>,
    /// `None` while lent to a build (or lost by a failed one): parse again.
    value: Option<Parsed>,
    /// Parse or validation errors of this version of the file.
    errors: Vec<Diagnostic>,
    /// Warnings of a case that parsed, reported again by every build that uses it.
    warnings: Vec<Diagnostic>,
    /// The link map the Markdown body was rendered against (`None` if it links to no
    /// content file, so any map will do), and its broken links.
    rendered: Option<(Option<u64>, Vec<Diagnostic>)>,
    /// Changes whenever the file is parsed or rendered again: what the pages built from it
    /// are keyed on.
    version: u64,
}

/// Parsed files of the previous build, by path relative to the site root.
#[derive(Default)]
pub struct ContentCache {
    entries: HashMap<PathBuf, Entry>,
    dirty: BTreeSet<PathBuf>,
    next_version: u64,
    trust_events: bool,
    /// The link map of the last load, for re-rendering one case against it.
    links: Option<(std::sync::Arc<BTreeMap<String, String>>, u64)>,
    /// Serves a single build and is then dropped: parse everything, record nothing.
    one_shot: bool,
    /// Frees each case's Markdown source once rendered ([`super::load_rendered`]).
    pub(super) free_sources: bool,
}

impl ContentCache {
    /// A cache for one build that is dropped after it (a one-shot `build`): files are parsed
    /// without a `stat` for their stamp and nothing is recorded.
    pub fn one_shot() -> Self {
        ContentCache {
            one_shot: true,
            ..ContentCache::default()
        }
    }

    /// Marks files (relative to the site root) to be read again whatever their stamp.
    pub fn invalidate<'a>(&mut self, paths: impl IntoIterator<Item = &'a Path>) {
        self.dirty.extend(paths.into_iter().map(Path::to_path_buf));
    }

    /// Whether the caller reports every change through [`ContentCache::invalidate`], so
    /// cached files need no stamp check (watch mode, between rescans): saves a `stat` per file.
    pub fn trust_events(&mut self, trust: bool) {
        self.trust_events = trust;
    }

    /// Version of a source's cached parse and render; changes each time it is redone.
    pub fn version(&self, source: &Path) -> Option<u64> {
        self.entries.get(source).map(|e| e.version)
    }

    /// Reads and parses what changed, lends out what did not; in `found` order.
    pub(super) fn parse_all(
        &mut self,
        config: &Config,
        found: &[Found],
    ) -> Vec<Result<Parsed, Vec<Diagnostic>>> {
        if self.one_shot {
            return found
                .par_iter()
                .with_max_len(crate::PER_TASK)
                .map(|f| super::parse_file(config, f))
                .collect();
        }
        let dirty = std::mem::take(&mut self.dirty);
        let trusted = |f: &Found| {
            self.trust_events && !dirty.contains(&f.rel) && self.entries.contains_key(&f.rel)
        };
        let stamps: Vec<Option<Stamp>> = found
            .par_iter()
            .map(|f| match trusted(f) {
                true => self.entries.get(&f.rel).and_then(|e| e.stamp),
                false => Stamp::of(&config.root.join(&f.rel)),
            })
            .collect();
        let mut results: Vec<Option<Result<Parsed, Vec<Diagnostic>>>> = found
            .iter()
            .zip(&stamps)
            .map(|(f, stamp)| self.lend(f, *stamp, &dirty))
            .collect();
        let misses: Vec<usize> = (0..found.len()).filter(|&i| results[i].is_none()).collect();
        let parsed: Vec<_> = misses
            .par_iter()
            .with_max_len(crate::PER_TASK)
            .map(|&i| super::parse_file(config, &found[i]))
            .collect();
        let keep: BTreeSet<&Path> = found.iter().map(|f| f.rel.as_path()).collect();
        self.entries.retain(|path, _| keep.contains(path.as_path()));
        for (i, result) in misses.into_iter().zip(parsed) {
            self.next_version += 1;
            let errors = result.as_ref().err().cloned().unwrap_or_default();
            let warnings = match &result {
                Ok(Parsed::Case(_, warnings)) => warnings.clone(),
                _ => Vec::new(),
            };
            let entry = Entry {
                stamp: stamps[i],
                value: None,
                errors,
                warnings,
                rendered: None,
                version: self.next_version,
            };
            self.entries.insert(found[i].rel.clone(), entry);
            results[i] = Some(result);
        }
        results.into_iter().flatten().collect()
    }

    /// The cached value of an unchanged file, moved out; `None` when it must be parsed.
    fn lend(
        &mut self,
        found: &Found,
        stamp: Option<Stamp>,
        dirty: &BTreeSet<PathBuf>,
    ) -> Option<Result<Parsed, Vec<Diagnostic>>> {
        let entry = self.entries.get_mut(&found.rel)?;
        if stamp.is_none() || entry.stamp != stamp || dirty.contains(&found.rel) {
            return None;
        }
        if !entry.errors.is_empty() {
            return Some(Err(entry.errors.clone()));
        }
        Some(Ok(match entry.value.take()? {
            Parsed::Case(case, _) => Parsed::Case(case, entry.warnings.clone()),
            other => other,
        }))
    }

    /// Reads, validates and renders one changed case of `content` (the last good build's),
    /// for the watch fast path; the cache records it as that build's case.
    pub fn reparse_case(
        &mut self,
        config: &Config,
        markdown: &MarkdownRenderer,
        content: &Content,
        rel: &Path,
    ) -> Result<(Case, Vec<Diagnostic>), Vec<Diagnostic>> {
        let found = Found {
            rel: rel.to_path_buf(),
            content_rel: crate::diagnostic::display_path(rel)
                .trim_start_matches("content/")
                .to_string(),
            kind: super::Kind::Case,
        };
        self.next_version += 1;
        let entry = Entry {
            stamp: Stamp::of(&config.root.join(rel)),
            value: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            rendered: None,
            version: self.next_version,
        };
        let entry = self
            .entries
            .entry(rel.to_path_buf())
            .insert_entry(entry)
            .into_mut();
        let (mut case, warnings) = match super::parse_file(config, &found) {
            Ok(Parsed::Case(case, warnings)) => (*case, warnings),
            Ok(_) => return Err(Vec::new()),
            Err(errors) => {
                entry.errors = errors.clone();
                return Err(errors);
            }
        };
        let (map, link_hash) = match &self.links {
            Some((map, hash)) => (std::sync::Arc::clone(map), *hash),
            None => {
                let map = super::link_map(content);
                let hash = super::hash_links(&map);
                (std::sync::Arc::new(map), hash)
            }
        };
        let (rendered, broken, uses_map) =
            super::render_body(markdown, &map, rel, &case.url, &case.body, case.body_line);
        let entry = self.entries.get_mut(rel).expect("inserted above");
        super::set_rendered(&mut case, rendered);
        entry.warnings = warnings.clone();
        entry.rendered = Some((uses_map.then_some(link_hash), broken.clone()));
        if !broken.is_empty() {
            return Err(broken);
        }
        Ok((case, warnings))
    }

    /// Remembers the link map a load rendered bodies against.
    pub(super) fn set_links(&mut self, map: BTreeMap<String, String>, hash: u64) {
        self.links = Some((std::sync::Arc::new(map), hash));
    }

    /// The broken links of a case already rendered against this link map, if it was.
    pub(super) fn rendered(&self, source: &Path, link_hash: u64) -> Option<&[Diagnostic]> {
        let entry = self.entries.get(source)?;
        match &entry.rendered {
            Some((hash, broken)) if hash.is_none_or(|h| h == link_hash) => Some(broken),
            _ => None,
        }
    }

    pub(super) fn mark_rendered(
        &mut self,
        source: &Path,
        link_hash: Option<u64>,
        broken: Vec<Diagnostic>,
    ) {
        if let Some(entry) = self.entries.get_mut(source) {
            self.next_version += 1;
            entry.version = self.next_version;
            entry.rendered = Some((link_hash, broken));
        }
    }

    /// Takes back what a build was lent (and what it parsed), keeping renders for next time.
    pub fn restore(&mut self, content: Content, root: &Path) {
        for case in content.cases {
            let source = case.source.clone();
            self.put(&source, Parsed::Case(Box::new(case), Vec::new()));
        }
        for page in content.pages {
            let source = page.source.clone();
            self.put(&source, Parsed::Page(Box::new(page)));
        }
        if let Some(front) = content.front {
            let source = front.source.clone();
            self.put(&source, Parsed::Front(Box::new(front)));
        }
        for asset in content.assets {
            let source = asset.source.strip_prefix(root).unwrap_or(&asset.source);
            let source = source.to_path_buf();
            self.put(&source, Parsed::Asset(asset));
        }
    }

    fn put(&mut self, source: &Path, value: Parsed) {
        let Some(entry) = self.entries.get_mut(source) else {
            return;
        };
        entry.value = Some(value);
    }
}
