//! Loading content: walk `content/`, parse every file, validate, and render Markdown bodies.
//!
//! Files are read and parsed in parallel; every problem is collected rather than stopping at
//! the first. Markdown is rendered only once all sources are known, because links between
//! content files (`[见案例8](008.md)`) are resolved to the output URLs of their targets.

pub mod cache;
pub mod case;
pub mod front_matter;
pub mod page;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::{line_col, Diagnostic, Diagnostics};
use crate::render::markdown::{LinkTarget, MarkdownRenderer};
use crate::slug::{is_safe_segment, RESERVED};
use case::{Case, FrontMatter};
use page::{Page, PageFrontMatter};

/// Largest content file casebook reads; larger ones are reported, not loaded.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Everything under `content/`, validated and rendered.
#[derive(Debug, Default)]
pub struct Content {
    /// Ordered by id.
    pub cases: Vec<Case>,
    /// Ordered by URL.
    pub pages: Vec<Page>,
    /// `content/_index.md`: lead text of the front page.
    pub front: Option<Page>,
    /// Other files, copied as they are (images next to the cases that show them).
    pub assets: Vec<Asset>,
    /// Problems that do not fail the build.
    pub warnings: Diagnostics,
}

impl Content {
    /// Frees the Markdown sources once rendered: a one-off build needs only what they
    /// rendered to (750 MB at 100,000 cases). Watch mode keeps them to re-render.
    /// ([`load_rendered`] frees the cases' sources as it renders them.)
    pub fn drop_sources(&mut self) {
        for case in &mut self.cases {
            case.body = String::new();
        }
        for page in self.pages.iter_mut().chain(self.front.as_mut()) {
            page.body = String::new();
        }
    }
}

#[derive(Debug, Clone)]
pub struct Asset {
    pub source: PathBuf,
    pub url: String,
}

/// What a file under `content/` is, by its place.
enum Kind {
    Case,
    Page,
    Front,
    Asset,
}

struct Found {
    /// Relative to the site root, for messages.
    rel: PathBuf,
    /// Relative to `content/`, `/`-separated.
    content_rel: String,
    kind: Kind,
}

/// Loads, validates and renders all content of the site.
///
/// Returns whatever loaded together with every problem found, so later stages can add their
/// own findings (taxonomy clashes) before the build reports them all; errors are in the list,
/// warnings in [`Content::warnings`] when there are no errors.
pub fn load(config: &Config, markdown: &MarkdownRenderer, drafts: bool) -> (Content, Diagnostics) {
    load_cached(
        config,
        markdown,
        drafts,
        &mut cache::ContentCache::one_shot(),
    )
}

/// [`load`] for a build that needs only what the sources render to: every Markdown source
/// (`body`) is freed as soon as it is rendered, not held until all are (they were a quarter
/// of the memory peak at 100,000 cases).
pub fn load_rendered(
    config: &Config,
    markdown: &MarkdownRenderer,
    drafts: bool,
) -> (Content, Diagnostics) {
    let mut cache = cache::ContentCache::one_shot();
    cache.free_sources = true;
    let (mut content, problems) = load_cached(config, markdown, drafts, &mut cache);
    content.drop_sources();
    (content, problems)
}

/// [`load`], reusing what `cache` holds from the previous build for unchanged files (watch
/// mode); give the content back with [`cache::ContentCache::restore`] after using it.
pub fn load_cached(
    config: &Config,
    markdown: &MarkdownRenderer,
    drafts: bool,
    cache: &mut cache::ContentCache,
) -> (Content, Diagnostics) {
    let mut problems = Diagnostics::new();
    let found = discover(config, &mut problems);
    let parsed = cache.parse_all(config, &found);
    let mut content = Content::default();
    // Sized at once: growing it a step at a time copied every case loaded so far (half a
    // kilobyte each) at each step, into memory touched for the first time.
    content.cases.reserve(found.len());
    for result in parsed {
        match result {
            Ok(Parsed::Case(case, warnings)) => {
                problems.0.extend(warnings);
                content.cases.push(*case);
            }
            Ok(Parsed::Page(page)) => content.pages.push(*page),
            Ok(Parsed::Front(page)) => content.front = Some(*page),
            Ok(Parsed::Asset(asset)) => content.assets.push(asset),
            Err(errors) => problems.0.extend(errors),
        }
    }
    if !drafts {
        content.cases.retain(|c| !c.draft);
        content.pages.retain(|p| !p.draft);
    }
    content
        .cases
        .sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.source.cmp(&b.source)));
    content.pages.sort_by(|a, b| a.url.cmp(&b.url));
    content.assets.sort_by(|a, b| a.url.cmp(&b.url));
    // Both cores: this runs between the parallel parsing and Markdown passes.
    let (links, ()) = rayon::join(
        || link_map(&content),
        || {
            check_duplicate_ids(&content.cases, &mut problems);
            check_output_collisions(&content, &mut problems);
        },
    );
    render_bodies(&mut content, links, markdown, &mut problems, cache);
    problems.sort();
    if !problems.has_errors() {
        content.warnings = std::mem::take(&mut problems);
    }
    (content, problems)
}

/// Walks `content/`, refusing symlinks that leave the site and names that are not UTF-8;
/// the files found, sorted by their path in `content/` (bytes).
fn discover(config: &Config, problems: &mut Diagnostics) -> Vec<Found> {
    let content_dir = config.content_dir();
    if !content_dir.is_dir() {
        problems.push(
            Diagnostic::error("content", "the site has no content/ folder")
                .with_hint("create content/cases/ and put one Markdown file per case in it"),
        );
        return Vec::new();
    }
    let root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
    // Not `sort_by_file_name`: its comparisons take each name from the entry's path, which
    // made the walk of 10,000 files 12–19 ms instead of 4–5, with the other core idle.
    // `found` is sorted once at the end, and the files are looked at in parallel.
    let walker = WalkDir::new(&content_dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(e.file_name()));
    let mut files = Vec::new();
    let mut linked_parent: Option<(PathBuf, bool)> = None;
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| relative(&config.root, p))
                    .unwrap_or_else(|| "content".into());
                problems.push(Diagnostic::error(path, format!("cannot read: {e}")));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let parent = entry.path().parent().unwrap_or(Path::new(""));
        if linked_parent.as_ref().is_none_or(|(p, _)| p != parent) {
            // A folder's files mostly come together: look at its ancestors once for them.
            linked_parent = Some((
                parent.to_path_buf(),
                parent.ancestors().any(Path::is_symlink),
            ));
        }
        let in_linked_folder = linked_parent.as_ref().is_some_and(|(_, linked)| *linked);
        files.push((entry, in_linked_folder));
    }
    let looked_at: Vec<Result<Found, Diagnostic>> = files
        .par_iter()
        .map(|(entry, in_linked_folder)| {
            look_at(&config.root, &content_dir, &root, entry, *in_linked_folder)
        })
        .collect();
    let mut found = Vec::with_capacity(looked_at.len());
    for result in looked_at {
        match result {
            Ok(f) => found.push(f),
            Err(d) => problems.push(d),
        }
    }
    // The same order whatever order the file system lists files in. By bytes: comparing the
    // paths component by component took 6–7 ms for 10,000 files.
    found.sort_unstable_by(|a, b| a.content_rel.cmp(&b.content_rel));
    found
}

/// A file the walk found: refused if it is a symlink leading out of the site (or in a
/// folder reached through one), else classified.
fn look_at(
    site_root: &Path,
    content_dir: &Path,
    canonical_root: &Path,
    entry: &walkdir::DirEntry,
    in_linked_folder: bool,
) -> Result<Found, Diagnostic> {
    let rel = relative(site_root, entry.path());
    if entry.path_is_symlink() || in_linked_folder {
        let target = std::fs::canonicalize(entry.path()).unwrap_or_default();
        if !target.starts_with(canonical_root) {
            return Err(Diagnostic::error(
                &rel,
                "symlink points outside the site folder; refusing to read it",
            )
            .with_hint("copy the file into the site instead"));
        }
    }
    classify(content_dir, entry.path()).map(|f| Found { rel, ..f })
}

/// Editor droppings and hidden files: never content.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.contains("___jb_")
        || name == "4913"
}

fn classify(content_dir: &Path, path: &Path) -> Result<Found, Diagnostic> {
    let rel_path = path.strip_prefix(content_dir).unwrap_or(path);
    let mut segments = Vec::new();
    for component in rel_path.components() {
        let Component::Normal(part) = component else {
            continue;
        };
        let Some(part) = part.to_str() else {
            return Err(Diagnostic::error(
                Path::new("content").join(rel_path),
                "file name is not valid UTF-8",
            )
            .with_hint("rename the file using UTF-8 characters"));
        };
        segments.push(part.to_string());
    }
    let content_rel = segments.join("/");
    let is_md = content_rel.ends_with(".md");
    let kind = match (segments.first().map(String::as_str), is_md, segments.len()) {
        (Some("cases"), true, _) => Kind::Case,
        (Some("_index.md"), true, 1) => Kind::Front,
        (_, true, _) => Kind::Page,
        _ => Kind::Asset,
    };
    Ok(Found {
        rel: PathBuf::new(),
        content_rel,
        kind,
    })
}

enum Parsed {
    Case(Box<Case>, Vec<Diagnostic>),
    Page(Box<Page>),
    Front(Box<Page>),
    Asset(Asset),
}

fn parse_file(config: &Config, found: &Found) -> Result<Parsed, Vec<Diagnostic>> {
    let path = config.root.join(&found.rel);
    if let Kind::Asset = found.kind {
        return asset(found, path);
    }
    let text = read_text(&path, &found.rel).map_err(|d| vec![d])?;
    let split = front_matter::split(&text).map_err(|e| vec![located(&found.rel, e)])?;
    // One `.md` off, not every one: `notes.md.md` is the page `notes.md.html`.
    let stem = found
        .content_rel
        .strip_suffix(".md")
        .unwrap_or(&found.content_rel);
    match found.kind {
        Kind::Case => {
            let (body_start, body_line) = (text.len() - split.body.len(), split.body_line);
            let front: FrontMatter = front_matter::parse_fast(split.yaml, split.yaml_line)
                .map_err(|e| vec![located(&found.rel, e)])?;
            let slug = case_slug(stem, &found.rel)?;
            let (mut case, problems) = case::validate(
                front,
                found.rel.clone(),
                slug,
                split.yaml_line,
                &config.raw.taxonomies,
            );
            if problems.iter().any(Diagnostic::is_error) {
                return Err(problems);
            }
            case.body = body_from(text, body_start);
            case.body_line = body_line;
            Ok(Parsed::Case(Box::new(case), problems))
        }
        Kind::Page | Kind::Front => {
            let front: PageFrontMatter = front_matter::parse(split.yaml, split.yaml_line)
                .map_err(|e| vec![located(&found.rel, e)])?;
            let is_front = matches!(found.kind, Kind::Front);
            let url = if is_front {
                String::new()
            } else {
                page_url(stem, &found.rel)?
            };
            let page = Page {
                title: front.title,
                url,
                weight: front.weight,
                draft: front.draft,
                extra: front.extra,
                source: found.rel.clone(),
                body: split.body.to_string(),
                body_line: split.body_line,
                rendered: Default::default(),
            };
            Ok(if is_front {
                Parsed::Front(Box::new(page))
            } else {
                Parsed::Page(Box::new(page))
            })
        }
        Kind::Asset => unreachable!("assets returned above"),
    }
}

fn asset(found: &Found, path: PathBuf) -> Result<Parsed, Vec<Diagnostic>> {
    if !found.content_rel.split('/').all(is_safe_segment) {
        return Err(vec![Diagnostic::error(
            &found.rel,
            "this file name cannot be published safely",
        )
        .with_hint(
            "use letters, digits, `-` and `_` in file and folder names",
        )]);
    }
    Ok(Parsed::Asset(Asset {
        source: path,
        url: found.content_rel.clone(),
    }))
}

/// `bytes` as a string, checked with SIMD: the standard check of mostly Chinese text (three
/// bytes a character, off its ASCII fast path) was 3 % of a build. Std's check, which says
/// where the text goes wrong, runs only on text that is not UTF-8.
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, std::string::FromUtf8Error> {
    match simdutf8::basic::from_utf8(&bytes) {
        // SAFETY: `from_utf8` has just checked that `bytes` is UTF-8.
        Ok(_) => Ok(unsafe { String::from_utf8_unchecked(bytes) }),
        Err(_) => String::from_utf8(bytes),
    }
}

/// The file's `text` from `start` on (its body): moved to the front of the file's buffer
/// rather than copied, which took 7 kB of new memory a case.
fn body_from(mut text: String, start: usize) -> String {
    text.drain(..start);
    text
}

/// Reads a file as UTF-8 text with `\n` line ends and no BOM.
fn read_text(path: &Path, rel: &Path) -> Result<String, Diagnostic> {
    let cannot_read = |e: std::io::Error| Diagnostic::error(rel, format!("cannot read: {e}"));
    // Size from the open file: one lookup of the path, not one for the size and one to read.
    let mut file = std::fs::File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(too_large(rel, size));
    }
    // Read no more than the limit even if the file grew since its size was asked for.
    let mut limited = std::io::Read::take(&mut file, MAX_FILE_BYTES + 1);
    let bytes = read_sized(&mut limited, size as usize).map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(rel, bytes.len() as u64));
    }
    let text = utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let (line, col) = line_col(&prefix, valid);
        Diagnostic::error(rel, "the file is not valid UTF-8")
            .at(line, col)
            .with_hint("save the file as UTF-8")
    })?;
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    // With SIMD (`memchr`): std's search for a character reads two words at a time, and
    // every byte of every file is looked at.
    Ok(if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text
    })
}

fn too_large(rel: &Path, size: u64) -> Diagnostic {
    Diagnostic::error(
        rel,
        format!("file is too large ({} MiB)", size / (1024 * 1024)),
    )
    .with_hint("casebook reads content files up to 8 MiB; split the file")
}

/// The rest of `file`, whose size is thought to be `size`: read until a read returns
/// nothing, so a file that grew is still read whole. `read_to_end` asked the size again and
/// the position as well: two system calls more for every content file, which on a virtual
/// machine cost as much as reading it.
fn read_sized(file: &mut impl std::io::Read, size: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0; size + 1];
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            bytes.resize(filled * 2, 0);
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

fn located(rel: &Path, e: front_matter::FrontMatterError) -> Diagnostic {
    let d = Diagnostic::error(rel, e.message).at(e.line, e.column);
    match e.hint {
        Some(hint) => d.with_hint(hint),
        None => d,
    }
}

/// `cases/a/001` → `001`: the file stem, which must be safe as a file name.
fn case_slug(stem: &str, rel: &Path) -> Result<String, Vec<Diagnostic>> {
    let slug = stem.rsplit('/').next().unwrap_or(stem);
    if !is_safe_segment(slug) || slug == "index" {
        return Err(vec![Diagnostic::error(
            rel,
            format!("`{slug}` cannot be used as a page name"),
        )
        .with_hint(
            "rename the file: letters, digits, `-` and `_` are safe, e.g. 013.md",
        )]);
    }
    Ok(slug.to_string())
}

fn page_url(stem: &str, rel: &Path) -> Result<String, Vec<Diagnostic>> {
    let top = stem.split('/').next().unwrap_or(stem);
    if !stem.split('/').all(is_safe_segment) || RESERVED.contains(&top) {
        return Err(vec![Diagnostic::error(
            rel,
            format!("`{stem}` is reserved or unsafe as a page name"),
        )
        .with_hint(format!(
            "rename the file; casebook itself writes {}",
            RESERVED.join(", ")
        ))]);
    }
    Ok(format!("{stem}.html"))
}

fn check_duplicate_ids(cases: &[Case], problems: &mut Diagnostics) {
    for pair in cases.windows(2) {
        if pair[0].id == pair[1].id {
            problems.push(
                Diagnostic::error(&pair[1].source, format!("duplicate case id `{}`", pair[1].id))
                    .at(pair[1].id_position.0, pair[1].id_position.1)
                    .with_hint(format!(
                        "`{}` has the same id; give each case its own (`casebook new` picks the next free one)",
                        crate::diagnostic::display_path(&pair[0].source)
                    )),
            );
        }
    }
}

/// Two sources mapping to one output path is an error naming both.
fn check_output_collisions(content: &Content, problems: &mut Diagnostics) {
    let mut owners: BTreeMap<&str, &Path> = BTreeMap::new();
    let urls = content
        .cases
        .iter()
        .map(|c| (c.url.as_str(), c.source.as_path()))
        .chain(
            content
                .pages
                .iter()
                .map(|p| (p.url.as_str(), p.source.as_path())),
        )
        .chain(
            content
                .assets
                .iter()
                .map(|a| (a.url.as_str(), Path::new("content"))),
        );
    for (url, source) in urls {
        if let Some(first) = owners.insert(url, source) {
            problems.push(
                Diagnostic::error(
                    source,
                    format!(
                        "`{url}` is also produced by `{}`",
                        crate::diagnostic::display_path(first)
                    ),
                )
                .with_hint("rename one of the two files"),
            );
        }
    }
}

fn hash_links(map: &BTreeMap<String, String>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    map.hash(&mut hasher);
    hasher.finish()
}

/// Maps `content/`-relative source paths to root-relative output URLs, for link resolution.
fn link_map(content: &Content) -> BTreeMap<String, String> {
    let strip = |p: &Path| {
        crate::diagnostic::display_path(p)
            .trim_start_matches("content/")
            .to_string()
    };
    let mut map = BTreeMap::new();
    for case in &content.cases {
        map.insert(strip(&case.source), case.url.clone());
    }
    for page in &content.pages {
        map.insert(strip(&page.source), page.url.clone());
    }
    if let Some(front) = &content.front {
        map.insert(strip(&front.source), "index.html".to_string());
    }
    map
}

/// Gives `case` its rendered body; a case without a `summary` gets the first paragraph (moved,
/// not copied: a second copy of every summary is 140 MB at 100,000 cases).
fn set_rendered(case: &mut Case, mut rendered: crate::render::markdown::Rendered) {
    let first = std::mem::take(&mut rendered.first_paragraph);
    if case.summary.is_empty() || case.summary_from_body {
        case.summary = first;
        case.summary_from_body = !case.summary.is_empty();
    }
    case.rendered = rendered;
}

/// Renders every body, links resolved through `map` ([`link_map`]).
fn render_bodies(
    content: &mut Content,
    map: BTreeMap<String, String>,
    markdown: &MarkdownRenderer,
    problems: &mut Diagnostics,
    cache: &mut cache::ContentCache,
) {
    let link_hash = hash_links(&map);
    let render = |source: &Path, url: &str, body: &str, body_line: usize| {
        render_body(markdown, &map, source, url, body, body_line)
    };
    let shared: &cache::ContentCache = cache;
    // See `load_rendered`: held until all were rendered, the sources were a quarter of the
    // peak at 100,000 cases (0.64 of 2.4 GB).
    let keep_sources = !shared.free_sources;
    let case_results: Vec<_> = content
        .cases
        .par_iter_mut()
        .with_max_len(crate::PER_TASK)
        .map(|c| match shared.rendered(&c.source, link_hash) {
            Some(broken) => Err(broken.to_vec()),
            None => {
                let (rendered, broken, uses_map) = render(&c.source, &c.url, &c.body, c.body_line);
                set_rendered(c, rendered);
                if !keep_sources {
                    c.body = String::new();
                }
                Ok((broken, uses_map))
            }
        })
        .collect();
    for (case, result) in content.cases.iter().zip(case_results) {
        match result {
            Ok((broken, uses_map)) => {
                let link_hash = uses_map.then_some(link_hash);
                cache.mark_rendered(&case.source, link_hash, broken.clone());
                problems.0.extend(broken);
            }
            Err(cached_broken) => problems.0.extend(cached_broken),
        }
    }
    let pages = content.pages.iter_mut().chain(content.front.as_mut());
    for page in pages {
        let url = if page.url.is_empty() {
            "index.html"
        } else {
            &page.url
        };
        let (rendered, broken, _) = render(&page.source, url, &page.body, page.body_line);
        page.rendered = rendered;
        problems.0.extend(broken);
    }
    cache.set_links(map, link_hash);
}

/// One Markdown body as HTML, its broken links, and whether it links to content files (only
/// then does its HTML depend on the link map).
fn render_body(
    markdown: &MarkdownRenderer,
    map: &BTreeMap<String, String>,
    source: &Path,
    url: &str,
    body: &str,
    body_line: usize,
) -> (crate::render::markdown::Rendered, Vec<Diagnostic>, bool) {
    let from_dir = crate::diagnostic::display_path(source)
        .trim_start_matches("content/")
        .rsplit_once('/')
        .map(|(dir, _)| dir.to_string())
        .unwrap_or_default();
    let root = "../".repeat(url.matches('/').count());
    let uses_map = std::cell::Cell::new(false);
    let rendered = markdown.render(body, &|dest| {
        let target = resolve_link(dest, &from_dir, &root, map);
        uses_map.set(uses_map.get() || !matches!(target, LinkTarget::Keep));
        target
    });
    let broken: Vec<Diagnostic> = rendered
        .broken_links
        .iter()
        .map(|link| {
            let (line, col) = line_col(body, link.offset);
            Diagnostic::error(source, format!("broken link to `{}`", link.target))
                .at(body_line + line - 1, col)
                .with_hint(
                    "link to an existing content file, e.g. `[案例8](008.md)` from another case",
                )
        })
        .collect();
    (rendered, broken, uses_map.get())
}

/// Resolves a link written in Markdown, relative to the source file as the editor sees it:
/// `.md` targets (relative, or `@/` from `content/`) become the relative URL of the generated
/// page; other relative paths become the relative URL of that site file (checked after
/// rendering); absolute URLs and fragments stay as written.
fn resolve_link(
    dest: &str,
    from_dir: &str,
    root: &str,
    map: &BTreeMap<String, String>,
) -> LinkTarget {
    let (path, suffix) = match dest.find(['#', '?']) {
        Some(i) => dest.split_at(i),
        None => (dest, ""),
    };
    if path.is_empty() || path.starts_with('/') || path.contains(':') && !path.starts_with("@/") {
        return LinkTarget::Keep;
    }
    let joined = match path.strip_prefix("@/") {
        Some(p) => p.to_string(),
        None if from_dir.is_empty() => path.to_string(),
        None => format!("{from_dir}/{path}"),
    };
    let Some(normal) = normalise(&joined) else {
        return LinkTarget::Broken;
    };
    if !(path.ends_with(".md") || path.starts_with("@/")) {
        return LinkTarget::File {
            url: format!("{root}{normal}{suffix}"),
            path: normal,
        };
    }
    match map.get(&normal) {
        Some(url) => LinkTarget::Rewrite(format!("{root}{url}{suffix}")),
        None => LinkTarget::Broken,
    }
}

/// Collapses `.` and `..` in a `/`-separated path; `None` if it climbs out of `content/`.
pub(crate) fn normalise(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            other => out.push(other),
        }
    }
    Some(out.join("/"))
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_whole_whatever_size_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        let text: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        for size in [0, 1, 9_999, 10_000, 10_001, 50_000] {
            let mut file = std::fs::File::open(&path).unwrap();
            assert_eq!(read_sized(&mut file, size).unwrap(), text, "{size}");
        }
    }

    #[test]
    fn links_resolve_relative_to_the_source() {
        let map = BTreeMap::from([
            ("cases/008.md".to_string(), "cases/008.html".to_string()),
            ("about.md".to_string(), "about.html".to_string()),
        ]);
        let url = |dest: &str, from: &str| match resolve_link(dest, from, "../", &map) {
            LinkTarget::Rewrite(u) => u,
            LinkTarget::File { url, path } => format!("file {url} {path}"),
            LinkTarget::Keep => "keep".into(),
            LinkTarget::Broken => "broken".into(),
        };
        assert_eq!(url("008.md", "cases"), "../cases/008.html");
        assert_eq!(url("008.md#成效", "cases"), "../cases/008.html#成效");
        assert_eq!(url("../about.md", "cases"), "../about.html");
        assert_eq!(url("@/cases/008.md", ""), "../cases/008.html");
        assert_eq!(url("009.md", "cases"), "broken");
        assert_eq!(url("../../../etc.md", "cases"), "broken");
        assert_eq!(url("https://x.org/a.md", "cases"), "keep");
        assert_eq!(
            url("img/a.png", "cases/more"),
            "file ../cases/more/img/a.png cases/more/img/a.png"
        );
        assert_eq!(
            url("../../tags/x.html", "cases/more"),
            "file ../tags/x.html tags/x.html"
        );
        assert_eq!(url("#top", "cases"), "keep");
        assert_eq!(url("/abs.html", "cases"), "keep");
    }

    #[test]
    fn only_the_last_md_is_taken_off_a_page_name() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml(dir.path(), "title = \"t\"\n").unwrap();
        let rel = Path::new("content/notes.md.md");
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join(rel), "---\ntitle: Notes\n---\nText\n").unwrap();
        let found = Found {
            rel: rel.to_path_buf(),
            content_rel: "notes.md.md".into(),
            kind: Kind::Page,
        };
        match parse_file(&config, &found) {
            Ok(Parsed::Page(page)) => assert_eq!(page.url, "notes.md.html"),
            Ok(_) => panic!("not a page"),
            Err(e) => panic!("{e:?}"),
        }
    }

    /// File systems list a folder's files in their own order (tmpfs newest first, ext4 by
    /// hash); what the walk finds is sorted by path whatever that order.
    #[test]
    fn files_are_found_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::from_toml(dir.path(), "title = \"t\"\n").unwrap();
        // `z.md` before `z/a.png`: by bytes, not component by component.
        let names = [
            "cases/c.md",
            "b.md",
            "z/a.png",
            "cases/a.md",
            "z.md",
            "cases/b.md",
            "a.md",
        ];
        for name in names {
            let path = config.content_dir().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        let mut problems = Diagnostics::new();
        let found: Vec<String> = discover(&config, &mut problems)
            .into_iter()
            .map(|f| f.content_rel)
            .collect();
        assert!(problems.0.is_empty());
        let mut sorted: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        sorted.sort();
        assert_eq!(found, sorted);
    }

    #[test]
    fn editor_files_are_ignored() {
        for name in [
            ".DS_Store",
            "001.md~",
            ".001.md.swp",
            "4913",
            "#001.md#",
            "x.md___jb_tmp___",
            ".#001.md",
        ] {
            assert!(is_ignored(std::ffi::OsStr::new(name)), "{name}");
        }
        assert!(!is_ignored(std::ffi::OsStr::new("001.md")));
    }
}
