//! Incremental builds for watch mode: after a save, render and write only what changed.
//!
//! The pipeline stays the one-way pipeline of [`crate::build`]; what watch mode adds is
//! memory between runs. [`Incremental`] keeps
//! - the loaded config, theme and compiled templates (reloaded only when a file outside
//!   `content/` changes: such a change rebuilds everything);
//! - a [`ContentCache`] of parsed and rendered sources, so a save re-reads one file;
//! - an *input key* per page: a hash of everything the page shows (its case's version, the
//!   summaries of its neighbours, related cases or listed cases, the site-wide settings). A
//!   page is rendered again only when its key changes, so editing a case body renders one
//!   page while retitling it also renders its neighbours, term pages, the index and feeds
//!   (and, once saves pause, the data pages: see below);
//! - a hash of every file in the output folder, so only files whose bytes differ are written
//!   and files no longer produced are deleted. Outputs the renderer is not asked about
//!   (static files, assets) are produced every time and diffed the same way;
//! - the last good [`Site`] itself: a save that changes only case bodies (the usual save
//!   while writing) patches it and renders those cases' pages, skipping the walk, the model
//!   and the keys of 10,000 other cases; anything else takes the general path above.
//!
//! Outputs that cover every case (`print.html`, the search index, the metrics page and the
//! data exports) cost far more than the rest of a save; rebuilds leave them out of date and
//! [`Incremental::catch_up`] renders them once saves pause.
//!
//! Everything is computed before anything is written, so a build error leaves the last good
//! site untouched.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{Config, CONFIG_FILE};
use crate::content::cache::ContentCache;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::hash::{hash_json, hash_of};
use crate::output::{self, OutputFile};
use crate::render::context::{CaseSummary, TermLinks};
use crate::render::exports;
use crate::render::fragments::{FragmentMemo, Reuse};
use crate::render::markdown::MarkdownRenderer;
use crate::render::metrics_page::METRICS_URL;
use crate::render::print::URL as PRINT_URL;
use crate::render::theme::Theme;
use crate::render::{self, Templates};
use crate::site::Site;
use crate::BuildOptions;
use crate::Laps;

/// Outputs that show every case's data but not its body: the metrics page and the exports.
const DATA_PAGES: [&str; 4] = [
    METRICS_URL,
    exports::CASES_JSON,
    exports::METRICS_JSON,
    exports::METRICS_CSV,
];
/// Outputs that cover every case, updated only once saves pause. The print page and the
/// search index show every case in full: rendering them takes about as long as a full
/// build (a second for 10,000 cases). The data pages hold every case's metrics: 38 MB at
/// 10,000 cases, which took 60 % of a save that retitles a case (35 of 59 ms).
const DEFERRED: [&str; 6] = [
    PRINT_URL,
    crate::search::ROOT,
    DATA_PAGES[0],
    DATA_PAGES[1],
    DATA_PAGES[2],
    DATA_PAGES[3],
];
/// More changed files than this take the general path.
const MAX_PATCHED: usize = 8;

/// What one rebuild did.
#[derive(Debug)]
pub struct Rebuild {
    pub cases: usize,
    /// Output paths written, sorted.
    pub written: Vec<String>,
    /// Output paths deleted, sorted.
    pub removed: Vec<String>,
    /// Whether config, theme or templates were reloaded (every page rendered).
    pub full: bool,
    /// Whether this rendered the pages deferred by earlier rebuilds ([`Incremental::catch_up`]).
    pub catch_up: bool,
    pub warnings: Diagnostics,
    /// How long each stage took, in order (printed by `watch --verbose`).
    pub timings: Vec<(&'static str, Duration)>,
    pub elapsed: Duration,
}

/// Config, theme and templates: reloaded only when a file outside `content/` changes.
struct Prepared {
    config: Config,
    markdown: MarkdownRenderer,
    theme: Theme,
    templates: Templates,
    /// Hash of the config file, the build options and the templates.
    key: u64,
}

/// A site being watched: the state one rebuild leaves for the next.
pub struct Incremental {
    root: PathBuf,
    options: BuildOptions,
    output: PathBuf,
    prepared: Option<Prepared>,
    config_hash: Option<u64>,
    cache: ContentCache,
    memo: Memo,
    /// The last good build's model, kept for the fast path; `None` after a failed build.
    site: Option<Site>,
    /// Input key of every page rendered by the last good build, by URL.
    keys: HashMap<String, u64>,
    /// Hash and size of every file the last good build left in the output folder.
    written: HashMap<String, (u64, usize)>,
    /// Whether the output folder holds a complete build of ours; if not, the next build
    /// renders every page and makes the folder exactly that.
    complete: bool,
    /// Whether a [`DEFERRED`] page is out of date.
    deferred: bool,
    /// Case cards and metric rows of earlier builds, reused while unchanged.
    fragments: FragmentMemo,
    /// For each case of the kept site, a hash of what its card and rows show.
    case_keys: Vec<u64>,
}

impl Incremental {
    pub fn new(root: &Path, options: &BuildOptions) -> Result<Incremental, Diagnostics> {
        let output = crate::output_dir(root, options)?;
        Ok(Incremental {
            root: root.to_path_buf(),
            options: options.clone(),
            output,
            prepared: None,
            config_hash: None,
            cache: ContentCache::default(),
            memo: Memo::default(),
            site: None,
            keys: HashMap::new(),
            written: HashMap::new(),
            complete: false,
            deferred: false,
            fragments: FragmentMemo::default(),
            case_keys: Vec::new(),
        })
    }

    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Rebuilds after changes to `changed` (paths relative to the site root); the first call
    /// builds everything. On error nothing is written and the state of the last good build
    /// is kept.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Rebuild, Diagnostics> {
        let start = Instant::now();
        let full = self.prepared.is_none() || changed.iter().any(|p| !p.starts_with("content"));
        self.cache.invalidate(changed.iter().map(PathBuf::as_path));
        if !full {
            if let Some(result) = self.try_patch(changed, start) {
                return result;
            }
        }
        self.forget_site();
        if full {
            self.prepare()?;
        }
        self.rebuild_site(full, false, start)
    }

    /// Whether a [`DEFERRED`] output was left out of the last rebuilds.
    pub fn has_deferred(&self) -> bool {
        self.deferred && self.site.is_some()
    }

    /// Renders the pages left out of the last rebuilds; `None` if there are none. The
    /// watcher calls this once saves have paused.
    pub fn catch_up(&mut self) -> Option<Result<Rebuild, Diagnostics>> {
        if !self.has_deferred() {
            return None;
        }
        let start = Instant::now();
        self.forget_site();
        Some(self.rebuild_site(false, true, start))
    }

    /// Hands the kept site's content back to the cache: the next build starts from files.
    fn forget_site(&mut self) {
        if let Some(site) = self.site.take() {
            self.cache.restore(site.content, &self.root);
        }
    }

    /// Loads, models, renders what changed and writes it: the general path.
    fn rebuild_site(
        &mut self,
        full: bool,
        catch_up: bool,
        start: Instant,
    ) -> Result<Rebuild, Diagnostics> {
        let mut laps = Laps::new();
        // Between full builds the watcher reports every change; a full build checks stamps.
        self.cache.trust_events(!full);
        let prepared = self
            .prepared
            .as_ref()
            .expect("prepare() succeeded before a site build");
        let (content, problems) = crate::content::load_cached(
            &prepared.config,
            &prepared.markdown,
            self.options.drafts,
            &mut self.cache,
        );
        if problems.has_errors() {
            // Keep the parsed files for the next save; model problems show once these are fixed.
            self.cache.restore(content, &self.root);
            return Err(problems);
        }
        let warnings = content.warnings.clone();
        laps.lap("load from the cache");
        let memo = &mut self.memo;
        let site = Site::with_related(prepared.config.clone(), content, |cases| {
            memo.related(cases)
        })?;
        laps.lap("site model");
        let hashes = self.memo.case_hashes(&site, &self.cache);
        let mut keys = page_keys(&site, &hashes, &self.cache, prepared.key);
        laps.lap("page keys");
        let case_keys: Vec<u64> = hashes.iter().map(CaseHashes::key).collect();
        // After a failed write the folder's state is unknown: every page is rendered again.
        let unknown = HashMap::new();
        let previous = if self.complete { &self.keys } else { &unknown };
        let stale = |url: &str| keys.get(url).is_some_and(|k| previous.get(url) != Some(k));
        // A deferred page that exists and is out of date keeps its old key: still stale.
        let deferred: Vec<&str> = DEFERRED
            .into_iter()
            .filter(|&url| !full && !catch_up && previous.contains_key(url) && stale(url))
            .collect();
        let wants = |url: &str| match keys.get(url) {
            Some(key) => previous.get(url) != Some(key) && !deferred.contains(&url),
            None => true,
        };
        let sizes = |path: &str| self.written.get(path).map_or(0, |w| w.1);
        let reuse = Reuse {
            memo: &self.fragments,
            case_keys: &case_keys,
            sizes: &sizes,
        };
        let files = render::render_selected(
            &site,
            &prepared.templates,
            &prepared.theme,
            &wants,
            Some(reuse),
        );
        self.fragments.settle(memo_limit(&site));
        laps.lap("render");
        let written = files.and_then(|files| self.write(files, &keys));
        laps.lap("write");
        let (written, removed) = match written {
            Ok(done) => done,
            Err(problems) => {
                self.cache.restore(site.content, &self.root);
                return Err(problems);
            }
        };
        for url in &deferred {
            keys.insert(url.to_string(), self.keys[*url]);
        }
        self.deferred = !deferred.is_empty();
        self.keys = keys;
        self.case_keys = case_keys;
        let cases = site.content.cases.len();
        self.site = Some(site);
        Ok(Rebuild {
            cases,
            written,
            removed,
            full,
            catch_up,
            warnings,
            timings: laps.stages,
            elapsed: start.elapsed(),
        })
    }

    /// The fast path for the most common save: a few cases whose front matter did not
    /// change, only their bodies. The kept site gets the new cases and only their pages (and
    /// the outputs the renderer always produces) are rendered. `None` when the change needs
    /// the general path.
    fn try_patch(
        &mut self,
        changed: &[PathBuf],
        start: Instant,
    ) -> Option<Result<Rebuild, Diagnostics>> {
        if !self.complete {
            return None;
        }
        let mut laps = Laps::new();
        let patched = match self.reparse(changed)? {
            Ok(fresh) => fresh,
            Err(problems) => {
                self.forget_site();
                return Some(Err(problems));
            }
        };
        // The cases keep their shape, so the model's lists stay; only the metric table holds
        // their data. (A model field derived from bodies would have to be derived again here.)
        let mut urls = BTreeSet::new();
        let site = self.site.as_mut()?;
        laps.lap("read the changed cases");
        let listed: Vec<usize> = patched
            .iter()
            .filter(|p| p.listed)
            .map(|p| p.index)
            .collect();
        patch(&mut site.content, patched, &mut self.keys, &mut urls);
        if !listed.is_empty() {
            for &i in &listed {
                // Same shape, so the same number of metrics: the rows are replaced in place.
                if !site.metrics.replace_case(&site.content.cases, i) {
                    site.metrics = crate::site::metrics::MetricTable::new(&site.content.cases);
                }
                self.case_keys[i] = case_key(site, i);
                for url in listing_pages(site, i) {
                    // Unknown until the next general build, which renders it once more.
                    self.keys.remove(&url);
                    urls.insert(url);
                }
            }
        }
        // The print page shows every body (and a listed case is in the data pages): out of
        // date now, they catch up later.
        self.deferred = true;
        laps.lap("patch the site model");
        let (site, prepared) = (self.site.as_ref()?, self.prepared.as_ref()?);
        let keys = std::mem::take(&mut self.keys);
        // A page whose key is unknown was rendered by an earlier patch: it is rendered again
        // (else the write would take it for a page no longer made). Asked of every page.
        let urls: HashSet<String> = urls.into_iter().collect();
        let wants = |url: &str| urls.contains(url) || !keys.contains_key(url);
        // Cards and rows of the cases whose listing changed have new keys.
        let sizes = |path: &str| self.written.get(path).map_or(0, |w| w.1);
        let reuse = Reuse {
            memo: &self.fragments,
            case_keys: &self.case_keys,
            sizes: &sizes,
        };
        let files = render::render_selected(
            site,
            &prepared.templates,
            &prepared.theme,
            &wants,
            Some(reuse),
        );
        self.fragments.settle(memo_limit(site));
        laps.lap("render");
        let (cases, warnings) = (site.content.cases.len(), site.content.warnings.clone());
        let written = files.and_then(|files| self.write(files, &keys));
        laps.lap("write");
        self.keys = keys;
        Some(match written {
            Ok((written, removed)) => Ok(Rebuild {
                cases,
                written,
                removed,
                full: false,
                catch_up: false,
                warnings,
                timings: laps.stages,
                elapsed: start.elapsed(),
            }),
            Err(problems) => {
                self.forget_site();
                Err(problems)
            }
        })
    }

    /// The changed cases read again, if the fast path can take them (same front matter);
    /// the read's errors if they do not build.
    fn reparse(&mut self, changed: &[PathBuf]) -> Option<Reparsed> {
        let (site, prepared) = (self.site.as_ref()?, self.prepared.as_ref()?);
        if changed.len() > MAX_PATCHED {
            return None;
        }
        let mut patched = Vec::new();
        for rel in changed {
            let i = site.content.cases.iter().position(|c| &c.source == rel)?;
            if !self.root.join(rel).is_file() {
                return None; // deleted or renamed: lists change
            }
            let fresh =
                self.cache
                    .reparse_case(&prepared.config, &prepared.markdown, &site.content, rel);
            let (case, warnings) = match fresh {
                Ok(fresh) => fresh,
                Err(problems) => return Some(Err(Diagnostics(problems).into_result(()).err()?)),
            };
            let old = &site.content.cases[i];
            if shape(&case) != shape(old) || (case.draft && !self.options.drafts) {
                return None;
            }
            patched.push(Patched {
                index: i,
                // `Case` serialises its front matter, URL and summary, not its body.
                listed: hash_json(&case) != hash_json(old),
                case,
                warnings,
            });
        }
        Some(Ok(patched))
    }

    fn prepare(&mut self) -> Result<(), Diagnostics> {
        self.prepared = None;
        // Fragments were rendered by the old templates and settings.
        self.fragments.clear();
        let config = crate::load_config(&self.root, &self.options)?;
        let theme = Theme::load(&config)?;
        let templates = Templates::compile(&theme)?;
        let config_text = std::fs::read(self.root.join(CONFIG_FILE)).unwrap_or_default();
        let config_hash = hash_of(&(&config_text, &self.options.base_url, self.options.drafts));
        if self.config_hash != Some(config_hash) {
            // Validation and Markdown depend on the config: nothing cached survives it.
            self.cache = ContentCache::default();
            self.memo = Memo::default();
            self.config_hash = Some(config_hash);
        }
        let templates_text: Vec<(&String, &String)> = theme
            .templates
            .iter()
            .map(|(name, source)| (name, &source.text))
            .collect();
        let key = hash_of(&(config_hash, templates_text));
        self.prepared = Some(Prepared {
            markdown: MarkdownRenderer::for_site(&config.raw),
            config,
            theme,
            templates,
            key,
        });
        Ok(())
    }

    /// Writes the files whose bytes changed and deletes the ones no longer produced.
    fn write(
        &mut self,
        files: Vec<OutputFile>,
        keys: &HashMap<String, u64>,
    ) -> Result<(Vec<String>, Vec<String>), Diagnostics> {
        let hashes: Vec<u64> = files
            .par_iter()
            .map(|f| crate::hash::hash_bytes(&f.bytes))
            .collect();
        let changed: Vec<&OutputFile> = files
            .iter()
            .zip(&hashes)
            .filter(|(f, &h)| !self.complete || self.written.get(&f.path).map(|w| w.0) != Some(h))
            .map(|(f, _)| f)
            .collect();
        // Pages skipped because unchanged are still produced: their URLs are among the keys.
        // A skipped (deferred) search index keeps all its files: only its root is keyed.
        let produced: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let index_skipped = !produced.contains(crate::search::ROOT);
        let mut removed: Vec<String> = self
            .written
            .keys()
            .filter(|p| !(index_skipped && p.starts_with("search/")))
            .filter(|p| !produced.contains(p.as_str()) && !keys.contains_key(p.as_str()))
            .cloned()
            .collect();
        removed.sort();
        let result = if self.complete {
            output::write_changed(&changed, &removed, &self.output)
                .map(|()| changed.iter().map(|f| f.path.clone()).collect())
        } else {
            // Everything was rendered (see `rebuild_site`): the folder becomes exactly this.
            output::write_site(&files, &self.output).map(|stats| {
                removed.extend(stats.removed);
                stats.written
            })
        };
        let mut written: Vec<String> = match result {
            Ok(written) => written,
            Err(e) => {
                // The folder may hold part of this build: nothing in it is known any more.
                self.complete = false;
                self.written.clear();
                return Err(Diagnostic::error(&self.output, e.to_string())
                    .with_hint("check permissions and free space")
                    .into());
            }
        };
        self.complete = true;
        for path in &removed {
            self.written.remove(path);
        }
        written.sort();
        for (file, hash) in files.into_iter().zip(hashes) {
            let size = file.bytes.len();
            self.written.insert(file.path, (hash, size));
        }
        Ok((written, removed))
    }
}

/// Fragments the memo keeps at most: a few versions of every card, row and export line
/// (a case is a card and a `cases.json` line; a metric row is two table rows, a JSON line
/// and a CSV line).
fn memo_limit(site: &Site) -> usize {
    4 * (2 * site.content.cases.len() + 4 * site.metrics.rows.len())
}

/// The fast path's re-read cases, or their errors.
type Reparsed = Result<Vec<Patched>, Diagnostics>;

/// A case read again by the fast path, to replace the one at `index`.
struct Patched {
    index: usize,
    /// Whether what other pages show of it changed (its title, summary, metrics), not only
    /// its body.
    listed: bool,
    case: crate::content::case::Case,
    warnings: Vec<Diagnostic>,
}

/// What the model's lists are made of: while a case keeps these, an edit leaves every list,
/// taxonomy, related-cases list, page URL and feed order of the site as it was, and only the
/// pages that show the case need rendering again (see [`listing_pages`]).
fn shape(case: &crate::content::case::Case) -> u64 {
    hash_json(&(
        &case.id,
        &case.url,
        case.draft,
        &case.date,
        &case.tags,
        &case.region,
        &case.department,
        case.metrics.len(),
    ))
}

/// The pages besides its own that show case `i` as listed: its neighbours (previous/next
/// links), the cases listing it as related, the index and term pages that list it, and the
/// feeds. (The metric tables and exports show it too, but wait for [`DEFERRED`].)
fn listing_pages(site: &Site, i: usize) -> Vec<String> {
    let cases = &site.content.cases;
    let mut urls = Vec::new();
    if in_feed(site, i) {
        // The feeds share one key in the general path (see `feed_key`): all or none.
        urls.extend(["atom.xml", "sitemap.xml", "robots.txt"].map(String::from));
    }
    let neighbours = [i.checked_sub(1), Some(i + 1)];
    urls.extend(
        neighbours
            .into_iter()
            .flatten()
            .filter_map(|j| cases.get(j))
            .map(|c| c.url.clone()),
    );
    let related = site
        .related
        .iter()
        .enumerate()
        .filter(|(_, r)| r.contains(&i));
    urls.extend(related.map(|(j, _)| cases[j].url.clone()));
    let holding = |pages: &[crate::site::paginate::ListPage], at: usize| {
        pages
            .iter()
            .find(|p| p.items.contains(&at))
            .map(|p| p.url.clone())
    };
    urls.extend(holding(&site.index_pages, i));
    for term in site.taxonomies.iter().flat_map(|t| &t.terms) {
        if let Ok(at) = term.cases.binary_search(&i) {
            urls.extend(holding(&term.pages, at));
        }
    }
    urls
}

/// Puts re-read cases into `content`; their pages are to be rendered (`urls`).
fn patch(
    content: &mut crate::content::Content,
    patched: Vec<Patched>,
    keys: &mut HashMap<String, u64>,
    urls: &mut BTreeSet<String>,
) {
    for Patched {
        index,
        case,
        warnings,
        ..
    } in patched
    {
        let warned = &mut content.warnings.0;
        warned.retain(|d| d.path != case.source);
        warned.extend(warnings);
        // Its key is unknown until the next general build, which renders it once more.
        keys.remove(&case.url);
        urls.insert(case.url.clone());
        content.cases[index] = case;
    }
    content.warnings.sort();
}

/// Results of whole-collection steps, reused while their inputs are unchanged.
#[derive(Default)]
struct Memo {
    /// Hash of every case's tags, in order, and the related cases computed from them.
    related: Option<(u64, Vec<Vec<usize>>)>,
    /// Hashes of each case as listed on other pages and as exported, by source and version.
    cases: HashMap<PathBuf, (Option<u64>, CaseHashes)>,
}

/// What other pages show of a case.
#[derive(Debug, Clone, Copy)]
struct CaseHashes {
    /// Its summary in lists, neighbour links and feeds.
    summary: u64,
    /// Its front matter data (metric tables, data exports), without the body.
    data: u64,
}

impl CaseHashes {
    fn new(site: &Site, terms: &TermLinks, i: usize) -> CaseHashes {
        CaseHashes {
            summary: hash_json(&CaseSummary::new(site, terms, i)),
            // `Case` serialises its front matter, URL and summary, not its body.
            data: hash_json(&site.content.cases[i]),
        }
    }

    /// The key of the case's card and metric rows.
    fn key(&self) -> u64 {
        hash_of(&(self.summary, self.data))
    }
}

/// [`CaseHashes::key`] of case `i`.
fn case_key(site: &Site, i: usize) -> u64 {
    CaseHashes::new(site, &TermLinks::new(site), i).key()
}

impl Memo {
    fn related(&mut self, cases: &[crate::content::case::Case]) -> Vec<Vec<usize>> {
        let tags: Vec<&[String]> = cases.iter().map(|c| c.tags.as_slice()).collect();
        let key = hash_of(&tags);
        match &self.related {
            Some((k, related)) if *k == key => related.clone(),
            _ => {
                let related = crate::site::related_cases(cases);
                self.related = Some((key, related.clone()));
                related
            }
        }
    }

    /// The hashes of all cases; only cases with a new version are serialised.
    fn case_hashes(&mut self, site: &Site, cache: &ContentCache) -> Vec<CaseHashes> {
        let cases = &site.content.cases;
        let known = &self.cases;
        let terms = TermLinks::new(site);
        let hashes: Vec<(Option<u64>, CaseHashes)> = cases
            .par_iter()
            .enumerate()
            .map(|(i, c)| {
                let version = cache.version(&c.source);
                match known.get(&c.source) {
                    Some(&(v, hashes)) if v == version && version.is_some() => (version, hashes),
                    _ => (version, CaseHashes::new(site, &terms, i)),
                }
            })
            .collect();
        self.cases = cases
            .iter()
            .zip(&hashes)
            .map(|(c, &entry)| (c.source.clone(), entry))
            .collect();
        hashes.into_iter().map(|(_, hashes)| hashes).collect()
    }
}

/// The input key of every page that [`render::render_selected`] can skip, by URL.
fn page_keys(
    site: &Site,
    hashes: &[CaseHashes],
    cache: &ContentCache,
    prepared_key: u64,
) -> HashMap<String, u64> {
    let cases = &site.content.cases;
    let summaries: Vec<u64> = hashes.iter().map(|h| h.summary).collect();
    let nav: Vec<_> = site
        .content
        .pages
        .iter()
        .map(|p| (p.url.as_str(), p.title.as_str(), p.weight))
        .collect();
    // Every page's footer links to the print page while the collection is small enough. (After
    // a save that crosses the limit the deferred pages keep their old footer until the
    // catch-up, like the rest of what they show.)
    let site_key = hash_of(&(prepared_key, nav, site.has_print_page()));
    let all = hash_of(&(site_key, &summaries));
    let mut keys: HashMap<String, u64> = cases
        .par_iter()
        .enumerate()
        .map(|(i, case)| {
            let neighbours = (i.checked_sub(1).map(|j| summaries[j]), summaries.get(i + 1));
            let related: Vec<u64> = site.related[i].iter().map(|&j| summaries[j]).collect();
            let version = cache.version(&case.source);
            let key = hash_of(&(
                site_key,
                &case.url,
                version,
                summaries[i],
                neighbours,
                related,
            ));
            (case.url.clone(), key)
        })
        .collect();
    let front = site
        .content
        .front
        .as_ref()
        .map(|p| hash_json(&(&p.title, &p.rendered)));
    // Each page of the index shows its cases as listed and where it is in the whole list.
    let index_pages = site.index_pages.len();
    for page in &site.index_pages {
        let listed = &summaries[page.items.clone()];
        let shown = (site_key, &page.url, cases.len(), index_pages, listed, front);
        keys.insert(page.url.clone(), hash_of(&shown));
    }
    let data: Vec<u64> = hashes.iter().map(|h| h.data).collect();
    let tables = hash_of(&(all, &data));
    for page in DATA_PAGES {
        keys.insert(page.into(), tables);
    }
    // The whole collection on one page: every case's body too.
    let versions: Vec<Option<u64>> = cases.iter().map(|c| cache.version(&c.source)).collect();
    if site.has_print_page() {
        keys.insert(PRINT_URL.into(), hash_of(&(tables, &versions)));
    }
    // The search index holds every case's words: its root stands for all of its files.
    keys.insert(
        crate::search::ROOT.into(),
        hash_of(&(all, &data, &versions)),
    );
    let feeds = feed_key(site, &summaries, site_key);
    for name in ["atom.xml", "sitemap.xml", "robots.txt"] {
        keys.insert(name.into(), hash_of(&(feeds, name)));
    }
    keys.insert("404.html".into(), site_key);
    keys.insert("search.html".into(), site_key);
    for taxonomy in &site.taxonomies {
        let terms: Vec<(&str, &str, usize)> = taxonomy
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.url.as_str(), t.cases.len()))
            .collect();
        let list = format!("{}/index.html", taxonomy.kind.key());
        keys.insert(list.clone(), hash_of(&(site_key, list, terms)));
        for term in &taxonomy.terms {
            // A term page lists its cases and their metric rows, and counts the term's rows.
            let case_rows = &site.metrics.case_rows;
            let rows: usize = term.cases.iter().map(|&j| case_rows[j].len()).sum();
            let size = (term.cases.len(), term.pages.len(), rows);
            for page in &term.pages {
                let listed: Vec<(u64, u64)> = term.cases[page.items.clone()]
                    .iter()
                    .map(|&j| (summaries[j], data[j]))
                    .collect();
                let shown = (site_key, &page.url, &term.name, size, listed);
                keys.insert(page.url.clone(), hash_of(&shown));
            }
        }
    }
    for page in &site.content.pages {
        let shown = hash_json(&(&page.title, &page.rendered, &page.extra));
        let key = hash_of(&(site_key, &page.url, shown));
        keys.insert(page.url.clone(), key);
    }
    keys
}

/// Whether case `i` is among the feed's latest entries (in the feed's order, as `feed_key`).
fn in_feed(site: &Site, i: usize) -> bool {
    let fallback = site.config.raw.date.as_deref().unwrap_or("1970-01-01");
    fn order<'c>(
        c: &'c crate::content::case::Case,
        fallback: &'c str,
    ) -> (Reverse<&'c str>, &'c str) {
        (
            Reverse(c.date.as_deref().unwrap_or(fallback)),
            c.url.as_str(),
        )
    }
    let cases = &site.content.cases;
    let place = order(&cases[i], fallback);
    cases.iter().filter(|c| order(c, fallback) < place).count() < crate::render::FEED_ENTRIES
}

/// What the feeds show: every URL, and the latest cases (in the feed's order) as listed.
fn feed_key(site: &Site, summaries: &[u64], site_key: u64) -> u64 {
    let cases = &site.content.cases;
    let fallback = site.config.raw.date.as_deref().unwrap_or("1970-01-01");
    let mut latest: Vec<(&str, &str, usize)> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| (c.date.as_deref().unwrap_or(fallback), c.url.as_str(), i))
        .collect();
    latest.sort_by(|a, b| b.0.cmp(a.0).then_with(|| a.1.cmp(b.1)));
    let shown: Vec<u64> = latest
        .iter()
        .take(crate::render::FEED_ENTRIES)
        .map(|e| summaries[e.2])
        .collect();
    let terms = site
        .taxonomies
        .iter()
        .flat_map(|t| t.terms.iter().flat_map(|term| &term.pages));
    let lists = site.index_pages.iter().chain(terms).map(|p| p.url.as_str());
    let urls: Vec<&str> = cases
        .iter()
        .map(|c| c.url.as_str())
        .chain(lists)
        .chain(site.content.pages.iter().map(|p| p.url.as_str()))
        .collect();
    hash_of(&(site_key, urls, latest.first().map(|e| e.0), shown))
}
