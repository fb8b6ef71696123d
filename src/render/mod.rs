//! Rendering: the site model in, every output file out.
//!
//! Each file goes to a [`Sink`] as soon as it is rendered (or piece by piece, for the pages
//! too big to hold); the sink decides where it lands ([`crate::output`]: a staging folder, or
//! memory for watch mode and the bundle). Pages render in parallel, the search index
//! alongside them.

pub mod builtin;
pub mod chart;
pub mod context;
pub mod exports;
pub mod fragments;
pub mod highlight;
pub mod i18n;
pub mod markdown;
pub mod metrics_page;
pub mod pager;
pub mod print;
pub mod theme;

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use std::sync::Mutex;

use crate::output::{Collect, OutputFile, Sink};
use crate::site::metrics::MetricView;
use crate::site::paginate::ListPage;
use crate::site::taxonomy::TaxonomyKind;
use crate::site::Site;
use context::*;
use fragments::{
    FillList, Fragments, Reuse, BODY_MARK, CARDS_MARK, CHART_MARK, MARK_LEAD, ROOT_MARK, ROWS_MARK,
    TABLE_MARK,
};
use i18n::Strings;
use theme::Theme;

/// Escapes text for HTML content and attribute values. Works on bytes (the five characters
/// are ASCII, and UTF-8 never uses ASCII bytes inside a longer character) and copies runs of
/// plain text whole.
pub fn escape_html(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 8);
    let _ = write_escaped(text, &mut out);
    // Only whole characters were copied, and ASCII entities put between them.
    String::from_utf8(out).unwrap_or_default()
}

/// Values up to this many bytes are looked at byte by byte before they are searched.
const SHORT_VALUE: usize = 64;

/// The bytes [`write_escaped`] may have to replace: `&<>"'` and U+E000's lead byte (which
/// leads no other character of common text).
const ESCAPED_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let bytes = *b"&<>\"'";
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table[0xEE] = true;
    table
};

/// [`escape_html`] written to `out`: what Tera calls for every value a template prints. Tera's
/// own escaper also turns `/` into `&#x2F;`, which bloats every URL. U+E000, which every mark
/// starts with, is written as `&#xE000;` (the same character to a reader): a title or summary
/// holding a mark's text must not have a list or a body written into it when the page is
/// spliced. The marks themselves are safe values ([`fragments::mark`]), never escaped.
fn write_escaped(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    // Most values printed are short and need no escaping: a look at each byte costs less
    // than the three searches below set up (400 instructions a value, 5 % of a build).
    let bytes = text.as_bytes();
    if bytes.len() <= SHORT_VALUE && !bytes.iter().any(|&b| ESCAPED_BYTES[usize::from(b)]) {
        return out.write_all(bytes);
    }
    // The next `&`, `<` or `>`, the next quote and the next U+E000 (`EE 80 80`), each found
    // with SIMD (`memchr`): most text printed has none, and a loop over its bytes was 4 % of
    // a build's instructions.
    let find = |kind: usize, from: usize| {
        let rest = &bytes[from..];
        let found = match kind {
            0 => memchr::memchr3(b'&', b'<', b'>', rest),
            1 => memchr::memchr2(b'"', b'\'', rest),
            _ => fragments::find_mark_lead(rest),
        };
        found.map(|i| i + from)
    };
    let mut next = [find(0, 0), find(1, 0), find(2, 0)];
    let mut plain = 0;
    while let Some((kind, at)) = next
        .iter()
        .enumerate()
        .filter_map(|(kind, at)| Some((kind, (*at)?)))
        .min_by_key(|&(_, at)| at)
    {
        let (entity, len): (&[u8], usize) = match bytes[at] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'"' => (b"&quot;", 1),
            b'\'' => (b"&#39;", 1),
            _ => (b"&#xE000;", MARK_LEAD.len()),
        };
        out.write_all(&bytes[plain..at])?;
        out.write_all(entity)?;
        plain = at + len;
        next[kind] = find(kind, plain);
    }
    out.write_all(&bytes[plain..])
}

/// Compiled templates, with the origin of each for error messages.
pub struct Templates {
    tera: tera::Tera,
    origins: std::collections::BTreeMap<String, std::path::PathBuf>,
    /// The default templates this theme leaves as they are, which are written without Tera.
    builtin: builtin::Builtin,
}

impl Templates {
    /// Compiles every template once; errors name the template file, line and column.
    pub fn compile(theme: &Theme) -> Result<Templates, Diagnostics> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on([".html", ".xml"]);
        tera.set_escape_fn(write_escaped);
        let origins = theme
            .templates
            .iter()
            .map(|(n, s)| (n.clone(), s.origin.clone()))
            .collect();
        let builtin = builtin::Builtin::of(theme);
        let mut templates = Templates {
            tera,
            origins,
            builtin,
        };
        let sources: Vec<(&str, &str)> = theme
            .templates
            .iter()
            .map(|(n, s)| (n.as_str(), s.text.as_str()))
            .collect();
        if let Err(e) = templates.tera.add_raw_templates(sources) {
            let mut problems = Diagnostics::new();
            for d in templates.diagnostics(&e, None) {
                problems.push(d);
            }
            return Err(problems);
        }
        Ok(templates)
    }

    fn render<T: Serialize>(&self, name: &str, page: &T) -> Result<String, Diagnostic> {
        let context =
            tera::Context::from_serialize(page).map_err(|e| self.diagnostic(&e, Some(name)))?;
        self.render_context(name, &context)
    }

    /// [`Templates::render`] into bytes: Tera's own `render` checks its output is UTF-8 (it
    /// is: templates and context are `str`), which costs a pass over every page.
    fn render_bytes<T: Serialize>(&self, name: &str, page: &T) -> Result<Vec<u8>, Diagnostic> {
        let context =
            tera::Context::from_serialize(page).map_err(|e| self.diagnostic(&e, Some(name)))?;
        self.render_context_bytes(name, &context)
    }

    fn render_context_bytes(
        &self,
        name: &str,
        context: &tera::Context,
    ) -> Result<Vec<u8>, Diagnostic> {
        let mut bytes = Vec::with_capacity(16 * 1024);
        self.tera
            .render_to(name, context, &mut bytes)
            .map_err(|e| self.diagnostic(&e, Some(name)))?;
        Ok(bytes)
    }

    /// Tera's `render` checks the page is UTF-8 with std's check, slow on Chinese text (1.6 %
    /// of a build's instructions); the same check with SIMD costs a fraction of it.
    fn render_context(&self, name: &str, context: &tera::Context) -> Result<String, Diagnostic> {
        let bytes = self.render_context_bytes(name, context)?;
        crate::content::utf8(bytes)
            .map_err(|e| self.on_template(name, &format!("rendered text that is not UTF-8: {e}")))
    }

    /// The first of [`Templates::diagnostics`]: rendering stops at the first error.
    fn diagnostic(&self, error: &tera::Error, template: Option<&str>) -> Diagnostic {
        let mut all = self.diagnostics(error, template);
        all.swap_remove(0)
    }

    /// A Tera error as diagnostics on the template files. Tera writes each problem as a
    /// report (`error: …`, then ` --> file:line:col`); compiling may give several at once.
    /// An error without a report (a missing parent template, say) is put on `template`.
    fn diagnostics(&self, error: &tera::Error, template: Option<&str>) -> Vec<Diagnostic> {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            text.push_str(": ");
            text.push_str(&e.to_string());
            source = e.source();
        }
        let syntax = matches!(error.kind(), tera::ErrorKind::SyntaxError(_));
        let reports = tera_reports(&text);
        if reports.is_empty() {
            let name = template
                .map(str::to_string)
                .or_else(|| text.split('\'').nth(1).map(str::to_string))
                .unwrap_or_default();
            let message = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
            return vec![self.on_template(&name, message.trim())];
        }
        reports
            .into_iter()
            .map(|r| {
                let message = match syntax {
                    true => format!("template syntax error: {}", r.message),
                    false => r.message,
                };
                let name = r.file.or(template.map(str::to_string)).unwrap_or_default();
                let d = self.on_template(&name, &message);
                match r.at {
                    Some((line, col)) => d.at(line, col),
                    None => d,
                }
            })
            .collect()
    }

    fn on_template(&self, name: &str, message: &str) -> Diagnostic {
        let origin = self
            .origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("templates/{name}").into());
        Diagnostic::error(origin, message)
            .with_hint("fix the template; see https://keats.github.io/tera/docs/ for the syntax")
    }
}

/// One problem as Tera reports it.
#[derive(Debug, PartialEq)]
struct TeraReport {
    message: String,
    file: Option<String>,
    at: Option<(usize, usize)>,
}

/// The reports in a Tera error's text: each starts `error: <message>`, and its first line
/// ` --> <file>:<line>:<column>` (1-based) says where; source excerpts and notes are left out.
fn tera_reports(text: &str) -> Vec<TeraReport> {
    let mut reports: Vec<TeraReport> = Vec::new();
    for line in text.lines() {
        if let Some(message) = line.strip_prefix("error: ") {
            reports.push(TeraReport {
                message: message.trim().to_string(),
                file: None,
                at: None,
            });
        } else if let Some(place) = line.trim_start().strip_prefix("--> ") {
            let Some(report) = reports.last_mut().filter(|r| r.file.is_none()) else {
                continue;
            };
            let mut parts = place.trim().rsplitn(3, ':');
            let (col, line, file) = (parts.next(), parts.next(), parts.next());
            if let (Some(col), Some(line), Some(file)) = (col, line, file) {
                report.file = Some(file.to_string());
                report.at = line.parse().ok().zip(col.parse().ok());
            }
        }
    }
    reports
}

/// Renders every file of the site into `sink`; returns their paths, sorted.
pub fn render_site(
    site: &Site,
    templates: &Templates,
    theme: &Theme,
    sink: &dyn Sink,
) -> Result<Vec<String>, Diagnostics> {
    render_into(site, templates, theme, &|_| true, None, sink)
}

/// [`render_into`], with the files kept in memory, sorted by path (watch mode).
pub fn render_selected(
    site: &Site,
    templates: &Templates,
    theme: &Theme,
    wants: &(dyn Fn(&str) -> bool + Sync),
    reuse: Option<Reuse>,
) -> Result<Vec<OutputFile>, Diagnostics> {
    let files = match reuse {
        Some(reuse) => Collect::with_size_hint(reuse.sizes),
        None => Collect::default(),
    };
    render_into(site, templates, theme, wants, reuse, &files)?;
    Ok(files.into_files())
}

/// Renders the pages whose URL `wants` accepts, and every output it is not asked about
/// (static files, assets, site-wide data), handing each file to `sink` as soon as it is
/// rendered; returns the paths of all, sorted. Watch mode skips pages whose inputs are
/// unchanged and reuses list items rendered by earlier builds (`reuse`).
pub fn render_into(
    site: &Site,
    templates: &Templates,
    theme: &Theme,
    wants: &(dyn Fn(&str) -> bool + Sync),
    reuse: Option<Reuse>,
    sink: &dyn Sink,
) -> Result<Vec<String>, Diagnostics> {
    let out = Emitter::new(sink);
    // The search index covers every case and costs about as much as the pages, so it is built
    // alongside them (watch mode defers it until saves pause).
    rayon::join(
        || {
            if wants(crate::search::ROOT) {
                crate::search::build_with(site, &|f| out.emit(Ok(f)));
            }
        },
        || render_pages(site, templates, wants, reuse, &out),
    );
    for (name, bytes) in &theme.statics {
        out.emit(Ok(OutputFile::new(format!("static/{name}"), bytes.clone())));
    }
    for asset in &site.content.assets {
        let read = std::fs::read(&asset.source)
            .map_err(|e| Diagnostic::error(&asset.source, format!("cannot read: {e}")));
        out.emit(read.map(|bytes| OutputFile::new(asset.url.clone(), bytes)));
    }
    let (paths, mut problems) = out.finish();
    check_file_links(site, &paths, &mut problems);
    problems.into_result(paths)
}

/// Hands rendered files to the sink and keeps what the build still needs: every path (for
/// the link check) and every problem.
struct Emitter<'a> {
    sink: &'a dyn Sink,
    paths: Mutex<Vec<String>>,
    problems: Mutex<Diagnostics>,
}

impl<'a> Emitter<'a> {
    fn new(sink: &'a dyn Sink) -> Self {
        Emitter {
            sink,
            paths: Mutex::default(),
            problems: Mutex::default(),
        }
    }

    fn emit(&self, file: Result<OutputFile, Diagnostic>) {
        match file {
            Ok(file) => {
                let path = file.path.clone();
                let delivered = self.deliver(&path, |sink| sink.put(file));
                self.record(path, delivered);
            }
            Err(d) => lock(&self.problems).push(d),
        }
    }

    /// Hands a file to the sink piece by piece; `write` reports its own problem (a template
    /// error half-way) as the diagnostic it returns.
    fn emit_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), Diagnostic>,
    ) {
        let mut failed = None;
        let mut pieces = |w: &mut dyn std::io::Write| {
            write(w).map_err(|d| {
                failed = Some(d);
                std::io::Error::other("the file could not be rendered")
            })
        };
        let delivered = self.deliver(path, |sink| sink.put_streamed(path, &mut pieces));
        self.record(path.to_string(), failed.map_or(delivered, Err));
    }

    /// Writes a page too big to hold whole: `page` was rendered with `mark` where its long
    /// middle goes, and `middle` writes that part in its place. A page without the mark (a
    /// theme that leaves the part out) is written as it is.
    fn emit_spliced(
        &self,
        path: &str,
        page: Result<String, Diagnostic>,
        mark: &str,
        middle: &mut dyn FnMut(&mut dyn std::io::Write) -> Result<(), Diagnostic>,
    ) {
        let page = match page {
            Ok(page) => page,
            Err(d) => return self.emit(Err(d)),
        };
        let Some((before, after)) = page.split_once(mark) else {
            return self.emit(Ok(OutputFile::new(path, page)));
        };
        self.emit_streamed(path, &mut |w| {
            let io = |e: std::io::Error| Diagnostic::error(path, e.to_string());
            w.write_all(before.as_bytes()).map_err(io)?;
            middle(w)?;
            w.write_all(after.as_bytes()).map_err(io)
        });
    }

    /// Refuses a path that would leave the output folder, then lets `put` hand the file over.
    fn deliver(
        &self,
        path: &str,
        put: impl FnOnce(&dyn Sink) -> Result<(), crate::output::OutputError>,
    ) -> Result<(), Diagnostic> {
        if !crate::slug::is_safe_output_path(path) {
            let e = crate::output::OutputError::UnsafePath(path.to_string());
            return Err(Diagnostic::error(path, e.to_string()));
        }
        put(self.sink).map_err(|e| {
            Diagnostic::error(path, e.to_string()).with_hint("check permissions and free space")
        })
    }

    fn record(&self, path: String, delivered: Result<(), Diagnostic>) {
        match delivered {
            Ok(()) => lock(&self.paths).push(path),
            Err(d) => lock(&self.problems).push(d),
        }
    }

    /// The paths written, sorted, and the problems, with any path produced twice.
    fn finish(self) -> (Vec<String>, Diagnostics) {
        let mut paths = self.paths.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut problems = self
            .problems
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        paths.sort_unstable();
        for pair in paths.windows(2).filter(|w| w[0] == w[1]) {
            let e = crate::output::OutputError::Duplicate(pair[0].clone());
            problems.push(Diagnostic::error(&pair[0], e.to_string()).with_hint(
                "two sources publish the same URL: rename one (a page and a list page, or two files)",
            ));
        }
        paths.dedup();
        (paths, problems)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every page `wants` accepts, handed to `out`.
fn render_pages(
    site: &Site,
    templates: &Templates,
    wants: &(dyn Fn(&str) -> bool + Sync),
    reuse: Option<Reuse>,
    out: &Emitter,
) {
    let t = i18n::strings(site.config.language);
    let summaries = Summaries::new(site);
    let mut info = site_info(site, t);
    info.search_index = Some(crate::search::ROOT.to_string());
    let shared = Shared::new(&info, t);
    let needs = Needs::new(site, wants);
    let mut base = shared.t_context();
    base.insert_value("root", fragments::mark(ROOT_MARK));
    type Key<'r> = dyn Fn(usize) -> u64 + Sync + 'r;
    type Render<'r> = dyn Fn(&mut tera::Context, usize) -> Result<String, Diagnostic> + Sync + 'r;
    let memo = reuse.map(|r| r.memo);
    let case_key = |i: usize| reuse.map_or(0, |r| r.case_keys[i]);
    let fragments = |needed: &[bool], base: &tera::Context, key: &Key, render: &Render| {
        // Cards are listed on every case page (related cases), one folder down.
        Fragments::render(needed, "../", base, memo, key, render).unwrap_or_else(|d| {
            out.emit(Err(d));
            Fragments::none()
        })
    };
    let card_key = |i: usize| crate::hash::hash_of(&("case_card.html", case_key(i)));
    // The default templates written without Tera, where the theme leaves them as they are.
    let direct = templates.builtin;
    let cards = fragments(&needs.cards, &base, &card_key, &|context, i| {
        if direct.case_card {
            return Ok(builtin::case_card(summaries.get(i), t));
        }
        context.insert("case", summaries.get(i));
        templates.render_context("case_card.html", context)
    });
    // A row's view, for the Rust side; none when it went into the context for Tera.
    let prepare_row = |context: &mut tera::Context, i: usize| {
        let view = metrics_page::row_view(site, &summaries, i);
        if direct.metric_row {
            return Some(view);
        }
        context.insert("r", &view);
        None
    };
    let render_row = |context: &mut tera::Context, view: &Option<_>, full: bool| match view {
        Some(view) => Ok(builtin::metric_row(view, full, t)),
        None => {
            context.insert("full", &full);
            templates.render_context("metric_row.html", context)
        }
    };
    // A row is known by its case's key and its place among the case's rows.
    let row_key = |full: bool| {
        move |r: usize| {
            let (case, nth) = site.metrics.place(r);
            crate::hash::hash_of(&("metric_row.html", full, case_key(case), nth))
        }
    };
    // Watch mode keeps the metric table's rows as a list and renders only changed rows.
    let all_rows = vec![needs.full_rows && reuse.is_none(); site.metrics.rows.len()];
    // Each row's view is made once (and converted for Tera once, when the theme's template
    // goes through Tera), then rendered for term pages and in full.
    // Term pages past the first are two folders down (`tags/x/2.html`); `metrics.html` is
    // at the root.
    let [term_rows, full_rows] = Fragments::render_ways(
        [&needs.term_rows, &all_rows],
        ["../../", ""],
        &base,
        memo,
        |way, r| row_key(way == 1)(r),
        prepare_row,
        |context, view, way, _| render_row(context, view, way == 1),
    )
    .unwrap_or_else(|d| {
        out.emit(Err(d));
        [Fragments::none(), Fragments::none()]
    });
    let full_row_key = row_key(true);
    let full_row = |i: usize| {
        let mut context = base.clone();
        let view = prepare_row(&mut context, i);
        render_row(&mut context, &view, true)
    };
    let r = Renderer {
        site,
        templates,
        t,
        shared: &shared,
        summaries: &summaries,
        cards: &cards,
        term_rows: &term_rows,
        full_rows: &full_rows,
        reuse,
        full_row: (&full_row_key, &full_row),
    };
    emit_pages(&r, wants, out);
}

/// Renders every page `wants` accepts and hands it to `out`. The long single pages (print,
/// metrics, exports) render early, while the rest go in parallel.
fn emit_pages(r: &Renderer, wants: &(dyn Fn(&str) -> bool + Sync), out: &Emitter) {
    let site = r.site;
    rayon::scope(|scope| {
        // With `print.html`, each case's page is made with its part of it (`print_page`).
        let print = site.has_print_page() && wants(print::URL);
        if !print {
            scope.spawn(|_| emit_case_pages(r, wants, out));
        }
        scope.spawn(|_| {
            site.index_pages
                .par_iter()
                .filter(|page| wants(&page.url))
                .for_each(|page| out.emit(r.index_page(page)));
        });
        for taxonomy in &site.taxonomies {
            if wants(&format!("{}/index.html", taxonomy.kind.key())) {
                out.emit(r.taxonomy_list(taxonomy));
            }
            scope.spawn(move |_| {
                taxonomy
                    .terms
                    .par_iter()
                    .flat_map(|term| term.pages.par_iter().map(move |page| (term, page)))
                    .filter(|(_, page)| wants(&page.url))
                    .for_each(|(term, page)| out.emit(r.term_page(taxonomy.kind, term, page)));
            });
        }
        // Spawned last, so that this thread, which takes its newest job first, starts them
        // once it has written the few pages below, and the finely split case pages are left
        // for the end. Each of these writes its file in order, a piece at a time: spawned first,
        // print.html was taken by the other thread only once the search index was done, and
        // kept one of the two cores idle for the last 0.1–0.16 s of a 10,000-case build.
        for (path, write) in exports::EXPORTS.into_iter().filter(|(path, _)| wants(path)) {
            scope.spawn(move |_| {
                out.emit_streamed(path, &mut |w| {
                    write(site, r.reuse, w).map_err(|e| {
                        Diagnostic::error(path, format!("cannot write the export: {e}"))
                    })
                })
            });
        }
        if wants(metrics_page::METRICS_URL) {
            scope.spawn(|_| r.metrics_page(out));
        }
        if print {
            scope.spawn(|_| r.print_page(out, wants));
        }
        for page in site.content.pages.iter().filter(|p| wants(&p.url)) {
            out.emit(r.plain_page(page));
        }
        if wants("404.html") {
            out.emit(r.simple("404.html", "404.html"));
        }
        if wants("search.html") {
            out.emit(r.search_page());
        }
        let feeds: Vec<&str> = ["atom.xml", "sitemap.xml", "robots.txt"]
            .into_iter()
            .filter(|feed| wants(feed))
            .collect();
        for feed in r.feeds(&feeds) {
            out.emit(feed);
        }
    });
}

/// Entries in the Atom feed: the newest cases.
pub(crate) const FEED_ENTRIES: usize = 50;

/// The `n` newest of `entries`, newest first, ties in URL order (URLs are unique, so the
/// order is total): only those are shown, so only those are sorted.
fn newest_entries(mut entries: Vec<FeedEntry>, n: usize) -> Vec<FeedEntry> {
    let newest =
        |a: &FeedEntry, b: &FeedEntry| b.updated.cmp(&a.updated).then_with(|| a.url.cmp(&b.url));
    if entries.len() > n {
        entries.select_nth_unstable_by(n, newest);
        entries.truncate(n);
    }
    entries.sort_by(newest);
    entries
}

/// Every case page `wants` accepts, made on its own (without `print.html`).
fn emit_case_pages(r: &Renderer, wants: &(dyn Fn(&str) -> bool + Sync), out: &Emitter) {
    let cases = &r.site.content.cases;
    (0..cases.len())
        .into_par_iter()
        .with_max_len(crate::PER_TASK)
        .filter(|&i| wants(&cases[i].url))
        // Made for the first page a piece renders, not for every piece: watch mode wants one
        // or a few of them.
        .for_each_init(
            || None,
            |contexts, i| {
                let (page, tables) =
                    contexts.get_or_insert_with(|| (r.shared.context(), r.shared.t_context()));
                let parts = r.case_parts(tables, i);
                out.emit(parts.and_then(|parts| r.case_page(page, i, &parts)))
            },
        );
}

/// Case `i`'s metrics (as made once in the site model) as a template value: converted once
/// for its page, its part of `print.html` and its metric table ([`CaseParts`]; a tera `Value`
/// is shared, not converted again, where a context holds it), since converting a metric cost
/// 5,000 instructions and each was converted five times.
fn metrics_value(site: &Site, i: usize) -> tera::Value {
    let views: Vec<&MetricView> = site
        .metrics
        .rows_of(i)
        .iter()
        .map(|row| &row.view)
        .collect();
    tera::Value::from_serializable(&views)
}

/// Links written in Markdown to other files of the site (`files/report.pdf`,
/// `../tags/x.html`) must name a file of the built site; checked here because only now is
/// every output path known.
fn check_file_links(site: &Site, paths: &[String], problems: &mut Diagnostics) {
    let paths: std::collections::HashSet<&str> = paths.iter().map(String::as_str).collect();
    let cases = site
        .content
        .cases
        .iter()
        .map(|c| (&c.source, c.body_line, &c.rendered));
    let pages = site
        .content
        .pages
        .iter()
        .map(|p| (&p.source, p.body_line, &p.rendered));
    for (source, body_line, rendered) in cases.chain(pages) {
        for link in &rendered.file_links {
            if paths.contains(percent_decode(&link.path).as_str()) {
                continue;
            }
            problems.push(
                Diagnostic::error(source, format!("broken link to `{}`: no such file in the built site", link.written))
                    .at(body_line + link.line - 1, link.col)
                    .with_hint("links are relative to the Markdown file; put the file in content/ or fix the path"),
            );
        }
    }
}

/// Decodes `%XX` escapes (UTF-8); invalid sequences stay as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn site_info(site: &Site, t: &'static Strings) -> SiteInfo {
    let raw = &site.config.raw;
    let mut weighted: Vec<_> = site
        .content
        .pages
        .iter()
        .filter(|p| p.weight.is_some())
        .collect();
    weighted.sort_by_key(|p| (p.weight, p.url.clone()));
    SiteInfo {
        title: raw.title.clone(),
        description: raw.description.clone(),
        language: raw.language.clone(),
        base_url: site.config.base_url.clone(),
        pages: weighted
            .iter()
            .map(|p| Link {
                name: p.title.clone(),
                url: p.url.clone(),
            })
            .collect(),
        taxonomies: site
            .taxonomies
            .iter()
            .map(|tax| Link {
                name: taxonomy_title(t, tax.kind).to_string(),
                url: format!("{}/index.html", tax.kind.key()),
            })
            .collect(),
        search_index: None,
        print: site.has_print_page().then(|| print::URL.to_string()),
    }
}

fn taxonomy_title(t: &'static Strings, kind: TaxonomyKind) -> &'static str {
    match kind {
        TaxonomyKind::Tags => t.tags,
        TaxonomyKind::Regions => t.regions,
        TaxonomyKind::Departments => t.departments,
    }
}

/// Which fragments the wanted pages show: case cards (by case) and metric rows (by row).
struct Needs {
    cards: Vec<bool>,
    term_rows: Vec<bool>,
    full_rows: bool,
}

impl Needs {
    fn new(site: &Site, wants: &(dyn Fn(&str) -> bool + Sync)) -> Needs {
        let cases = &site.content.cases;
        let mut cards = vec![false; cases.len()];
        let mut on_terms = vec![false; cases.len()];
        for page in site.index_pages.iter().filter(|p| wants(&p.url)) {
            cards[page.items.clone()].fill(true);
        }
        let terms = site.taxonomies.iter().flat_map(|t| &t.terms);
        for term in terms {
            for page in term.pages.iter().filter(|p| wants(&p.url)) {
                for &i in &term.cases[page.items.clone()] {
                    cards[i] = true;
                    on_terms[i] = true;
                }
            }
        }
        for (i, case) in cases.iter().enumerate() {
            if wants(&case.url) {
                for &j in &site.related[i] {
                    cards[j] = true;
                }
            }
        }
        let mut term_rows = vec![false; site.metrics.rows.len()];
        for (i, rows) in site.metrics.case_rows.iter().enumerate() {
            if on_terms[i] {
                term_rows[rows.clone()].fill(true);
            }
        }
        Needs {
            cards,
            term_rows,
            full_rows: wants(metrics_page::METRICS_URL),
        }
    }
}

struct Renderer<'a> {
    site: &'a Site,
    templates: &'a Templates,
    t: &'static Strings,
    /// `site` and `t` for every page ([`Common`]), and `t` for a metric table's context
    /// ([`Renderer::metric_table`]), which a thread keeps from case to case.
    shared: &'a Shared,
    summaries: &'a Summaries<'a>,
    /// Case cards by case, for lists.
    cards: &'a Fragments,
    /// Metric rows by row, without and with the region, department and tag columns.
    term_rows: &'a Fragments,
    full_rows: &'a Fragments,
    /// What watch mode kept of earlier builds (the exports' lines, like the fragments).
    reuse: Option<Reuse<'a>>,
    /// A metric row of `metrics.html` (with every column): its key and how it is rendered,
    /// for watch mode, which renders only the rows whose key is new.
    full_row: (&'a (dyn Fn(usize) -> u64 + Sync), &'a OneRow<'a>),
}

/// What a case's page and its part of `print.html` both show, converted for Tera (or
/// rendered) once: the two are made together ([`Renderer::print_cases`]).
struct CaseParts {
    /// The case as listed ([`CaseSummary`]).
    case: tera::Value,
    /// Its metrics (`MetricView`s), for the page and for its metric table.
    metrics: tera::Value,
    /// Its metric table (`metric_table.html`), empty when it has no metrics.
    table: String,
}

/// Renders one metric row (or card) fragment.
type OneRow<'a> = dyn Fn(usize) -> Result<String, Diagnostic> + Sync + 'a;

/// Writes a run of pieces of one file, in order, in one call.
type WritePieces<'a> = dyn FnMut(&[&[u8]]) -> Result<(), Diagnostic> + 'a;

impl<'a> Renderer<'a> {
    fn common(&self, url: &str) -> Common<'a> {
        Common::new(self.shared, url)
    }

    fn page<T: Serialize>(
        &self,
        template: &str,
        url: &str,
        page: &T,
    ) -> Result<OutputFile, Diagnostic> {
        Ok(OutputFile::new(
            url,
            self.templates.render_bytes(template, page)?,
        ))
    }

    /// A case's page, rendered in `context`, which holds [`Shared::context`] and is reused
    /// from case to case: every field of [`CasePage`] is written over each time.
    fn case_page(
        &self,
        context: &mut tera::Context,
        i: usize,
        parts: &CaseParts,
    ) -> Result<OutputFile, Diagnostic> {
        let case = &self.site.content.cases[i];
        let link = |j: usize| Link {
            name: self.summaries.get(j).title.to_string(),
            url: self.summaries.get(j).url.to_string(),
        };
        let table = &parts.table;
        let chart = self.case_chart(i);
        let related = &self.site.related[i];
        let page = CasePage {
            root: context::root_of(&case.url),
            page_url: &case.url,
            case: parts.case.clone(),
            extra: &case.extra,
            metrics_html: fragments::mark_unless_empty(TABLE_MARK, table),
            metrics: parts.metrics.clone(),
            chart: chart.as_ref().map(|_| fragments::mark(CHART_MARK)),
            content: fragments::mark(BODY_MARK),
            has_content: !case.rendered.html.trim().is_empty(),
            toc: &case.rendered.toc,
            previous: i.checked_sub(1).map(link),
            next: (i + 1 < self.summaries.len()).then(|| link(i + 1)),
            related_html: match related.is_empty() {
                true => "".into(),
                false => fragments::mark(CARDS_MARK),
            },
        };
        page.insert_into(context);
        let bytes = self.templates.render_context_bytes("case.html", context)?;
        let chart = chart.unwrap_or_default();
        let body = |out: &mut Vec<u8>| out.extend_from_slice(case.rendered.html.as_bytes());
        let table_html = |out: &mut Vec<u8>| out.extend_from_slice(table.as_bytes());
        let chart_html = |out: &mut Vec<u8>| out.extend_from_slice(chart.as_bytes());
        let cards = |out: &mut Vec<u8>| {
            let related = related.iter().copied();
            self.cards.extend(out, related, "../", "\n  ")
        };
        let filled = case.rendered.html.len()
            + table.len()
            + chart.len()
            + self
                .cards
                .joined_len(related.iter().copied(), "../", "\n  ");
        let lists = [
            (BODY_MARK, &body as FillList),
            (CARDS_MARK, &cards),
            (TABLE_MARK, &table_html),
            (CHART_MARK, &chart_html),
        ];
        let bytes = fragments::splice(bytes, &lists, filled);
        Ok(OutputFile::new(&case.url, bytes))
    }

    fn index_page(&self, page: &ListPage) -> Result<OutputFile, Diagnostic> {
        let front = self.site.content.front.as_ref();
        let common = self.common(&page.url);
        let items = page.items.clone();
        let total = self.summaries.len();
        let page = IndexPage {
            lead_title: front.map(|p| p.title.as_str()),
            lead: front.map(|p| p.rendered.html.as_str()),
            total,
            first: page.items.start + 1,
            cases_html: fragments::mark(CARDS_MARK),
            pager: pager::view(self.t, &self.site.index_pages, page.number, total),
            common,
        };
        let html = self.templates.render_bytes("index.html", &page)?;
        let cards = |out: &mut Vec<u8>| {
            self.cards
                .extend(out, items.clone(), &page.common.root, "\n")
        };
        let filled = self
            .cards
            .joined_len(items.clone(), &page.common.root, "\n");
        let html = fragments::splice(html, &[(CARDS_MARK, &cards)], filled);
        Ok(OutputFile::new(&page.common.page_url, html))
    }

    /// What case `i`'s page and its part of `print.html` share. `tables` is the context
    /// of its metric table, which holds `t` ([`Shared::t_context`]).
    fn case_parts(&self, tables: &mut tera::Context, i: usize) -> Result<CaseParts, Diagnostic> {
        let metrics = metrics_value(self.site, i);
        Ok(CaseParts {
            case: tera::Value::from_serializable(self.summaries.get(i)),
            table: self.metric_table(tables, i, &metrics)?,
            metrics,
        })
    }

    /// Case `i`'s metric table (`metric_table.html`). The template sees only `t`, `metrics`
    /// and `caption` (`context` holds `t`; the other two are written over).
    fn metric_table(
        &self,
        context: &mut tera::Context,
        i: usize,
        metrics: &tera::Value,
    ) -> Result<String, Diagnostic> {
        if self.site.metrics.rows_of(i).is_empty() {
            return Ok(String::new());
        }
        let caption = format!("{} · {}", self.site.content.cases[i].title, self.t.metrics);
        if self.templates.builtin.metric_table {
            let rows = self.site.metrics.rows_of(i).iter().map(|row| &row.view);
            return Ok(builtin::metric_table(&caption, rows, self.t));
        }
        context.insert_value("metrics", metrics.clone());
        context.insert("caption", &caption);
        self.templates.render_context("metric_table.html", context)
    }

    /// `print.html`: every case in id order, in full, made together with the case pages
    /// `case_pages` accepts ([`Renderer::print_cases`]). The page renders with a placeholder
    /// for the cases, which render on their own (in parallel, a batch at a time) and are
    /// written in its place as they come: the page is never held whole (100 MB at 10,000
    /// cases, 1 GB at 100,000).
    fn print_page(&self, out: &Emitter, case_pages: &(dyn Fn(&str) -> bool + Sync)) {
        let page = print::PrintPage {
            common: self.common("print.html"),
            toc: print::toc(self.summaries),
            cases_html: fragments::mark(print::CASES_MARK),
        };
        let html = match self.templates.render("print.html", &page) {
            Ok(html) if html.contains(print::CASES_MARK) => html,
            // A page that failed, or a theme's that shows no cases: the case pages alone.
            other => {
                out.emit_spliced("print.html", other, print::CASES_MARK, &mut |_| Ok(()));
                return emit_case_pages(self, case_pages, out);
            }
        };
        let mut made = false;
        out.emit_spliced("print.html", Ok(html), print::CASES_MARK, &mut |w| {
            made = true;
            let mut put = |pieces: &[&[u8]]| {
                crate::output::write_all_slices(w, pieces)
                    .map_err(|e| Diagnostic::error("print.html", e.to_string()))
            };
            self.print_cases(&mut put, out, case_pages)
        });
        // The file could not be made (its error is reported): the case pages alone.
        if !made {
            emit_case_pages(self, case_pages, out);
        }
    }

    /// Renders every case for `print.html` (`print_case.html`), in id order, handing each
    /// batch of them (trimmed, with the line ends between them) to `put` in one call, which
    /// writes the cases as they are rather than copied into a buffer; with each, its page if
    /// `case_pages` accepts its URL, handed to `out`. The two share the case's summary,
    /// metrics and metric table ([`CaseParts`]), made once for both: made apart, they were
    /// converted twice, and the table kept between the two (up to half of all tables, on a
    /// large collection) until the second asked for it.
    fn print_cases(
        &self,
        put: &mut WritePieces,
        out: &Emitter,
        case_pages: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<(), Diagnostic> {
        const BATCH: usize = 256;
        let cases = &self.site.content.cases;
        // After the first problem with `print.html`, the rest of it is left out, but every
        // case page is still made (and reports its own problems).
        let mut failed = None;
        for start in (0..cases.len()).step_by(BATCH) {
            let batch = start..(start + BATCH).min(cases.len());
            let printing = failed.is_none();
            let printed: Vec<Result<Vec<u8>, Diagnostic>> = batch
                .into_par_iter()
                .map_init(
                    || {
                        let t = self.shared.t_context();
                        (t.clone(), t, self.shared.context())
                    },
                    |(context, tables, page), i| {
                        let wanted = case_pages(&cases[i].url);
                        if !printing && !wanted {
                            return Ok(Vec::new());
                        }
                        let parts = self.case_parts(tables, i);
                        if wanted {
                            out.emit(
                                parts
                                    .as_ref()
                                    .map_err(Diagnostic::clone)
                                    .and_then(|parts| self.case_page(page, i, parts)),
                            );
                        }
                        if printing {
                            self.print_case(context, i, &parts?)
                        } else {
                            Ok(Vec::new())
                        }
                    },
                )
                .collect();
            if failed.is_some() {
                continue;
            }
            // The cases up to the first that failed, with a line end before each but the first.
            let ok = printed.iter().take_while(|case| case.is_ok()).count();
            let mut pieces: Vec<&[u8]> = Vec::with_capacity(2 * ok);
            for (n, case) in printed[..ok].iter().flatten().enumerate() {
                if start + n > 0 {
                    pieces.push(b"\n");
                }
                pieces.push(case.trim_ascii_start());
            }
            let written = put(&pieces);
            failed = written
                .err()
                .or_else(|| printed.into_iter().nth(ok).and_then(Result::err));
        }
        failed.map_or(Ok(()), Err)
    }

    /// Case `i` as `print.html` shows it, rendered in `context` (which holds `t` and is
    /// reused from case to case), trimmed at the end.
    fn print_case(
        &self,
        context: &mut tera::Context,
        i: usize,
        parts: &CaseParts,
    ) -> Result<Vec<u8>, Diagnostic> {
        let case = &self.site.content.cases[i];
        let printed = print::print_case(case, &parts.case, &parts.metrics, &parts.table);
        context.insert("c", &printed);
        let html = self
            .templates
            .render_context_bytes("print_case.html", context)?;
        let prefix = print::id_prefix(&case.id.to_string());
        let body =
            |out: &mut Vec<u8>| print::adapt_body(&case.rendered.html, &case.url, &prefix, out);
        let table_html = |out: &mut Vec<u8>| out.extend_from_slice(parts.table.as_bytes());
        // The page is sized for the adapted body: a page sized for the body alone was
        // copied to a larger buffer halfway through it.
        let filled = print::adapted_len(&case.rendered.html) + parts.table.len();
        let lists = [(BODY_MARK, &body as FillList), (TABLE_MARK, &table_html)];
        let mut html = fragments::splice(html, &lists, filled);
        let end = html.trim_ascii_end().len();
        html.truncate(end);
        Ok(html)
    }

    fn taxonomy_list(
        &self,
        taxonomy: &crate::site::taxonomy::Taxonomy,
    ) -> Result<OutputFile, Diagnostic> {
        let url = format!("{}/index.html", taxonomy.kind.key());
        let mut terms: Vec<TermLink> = taxonomy
            .terms
            .iter()
            .map(|term| TermLink {
                name: term.name.clone(),
                url: term.url.clone(),
                count: term.cases.len(),
            })
            .collect();
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let page = TaxonomyListPage {
            common: self.common(&url),
            taxonomy: taxonomy.kind.key(),
            title: taxonomy_title(self.t, taxonomy.kind),
            terms,
        };
        self.page("taxonomy_list.html", &url, &page)
    }

    fn term_page(
        &self,
        kind: TaxonomyKind,
        term: &crate::site::taxonomy::Term,
        page: &ListPage,
    ) -> Result<OutputFile, Diagnostic> {
        let common = self.common(&page.url);
        let cases = &term.cases[page.items.clone()];
        let case_rows = &self.site.metrics.case_rows;
        let rows = cases.iter().flat_map(|&i| case_rows[i].clone());
        let all_rows: usize = term.cases.iter().map(|&i| case_rows[i].len()).sum();
        let page = TermPage {
            taxonomy: kind.key(),
            taxonomy_title: taxonomy_title(self.t, kind),
            term: &term.name,
            total: term.cases.len(),
            first: page.items.start + 1,
            cases_html: fragments::mark(CARDS_MARK),
            pager: pager::view(self.t, &term.pages, page.number, term.cases.len()),
            metric_rows_html: fragments::mark(ROWS_MARK),
            metric_count: rows.clone().count(),
            metric_total: all_rows,
            metrics_link: pager::metrics_filter_url(kind, &term.name),
            metrics_link_text: i18n::fill(
                self.t.term_all_metrics,
                &[("term", term.name.clone()), ("n", all_rows.to_string())],
            ),
            common,
        };
        let html = self.templates.render_bytes("taxonomy_term.html", &page)?;
        let root = &page.common.root;
        let cards = |out: &mut Vec<u8>| self.cards.extend(out, cases.iter().copied(), root, "\n");
        let metric_rows =
            |out: &mut Vec<u8>| self.term_rows.extend(out, rows.clone(), root, "\n    ");
        let filled = self.cards.joined_len(cases.iter().copied(), root, "\n")
            + self.term_rows.joined_len(rows.clone(), root, "\n    ");
        let lists = [(CARDS_MARK, &cards as FillList), (ROWS_MARK, &metric_rows)];
        let html = fragments::splice(html, &lists, filled);
        Ok(OutputFile::new(&page.common.page_url, html))
    }

    fn plain_page(&self, p: &crate::content::page::Page) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common(&p.url),
            title: &p.title,
            content: &p.rendered.html,
            toc: &p.rendered.toc,
            extra: &p.extra,
        };
        self.page("page.html", &p.url, &page)
    }

    fn simple(&self, template: &str, url: &str) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common(url),
            title: self.t.not_found_title,
            content: "",
            toc: &[],
            extra: &Default::default(),
        };
        self.page(template, url, &page)
    }

    /// `search.html`: the results page the search box submits to.
    fn search_page(&self) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common("search.html"),
            title: self.t.search,
            content: "",
            toc: &[],
            extra: &Default::default(),
        };
        self.page("search.html", "search.html", &page)
    }

    /// The feeds `names` (`atom.xml`, `sitemap.xml`, `robots.txt`), with absolute URLs only
    /// when `base_url` is set: every one sees the same entries and URLs, worked out once.
    fn feeds(&self, names: &[&str]) -> Vec<Result<OutputFile, Diagnostic>> {
        if names.is_empty() {
            return Vec::new();
        }
        let base = self.site.config.base_url.clone().unwrap_or_default();
        let fallback = self
            .site
            .config
            .raw
            .date
            .clone()
            .unwrap_or_else(|| "1970-01-01".to_string());
        let stamp = |date: Option<&str>| format!("{}T00:00:00Z", date.unwrap_or(&fallback));
        let entries: Vec<FeedEntry> = self
            .site
            .content
            .cases
            .iter()
            .map(|c| FeedEntry {
                id: format!("urn:casebook:case:{}", c.id),
                title: &c.title,
                url: format!("{base}{}", c.url),
                updated: stamp(c.date.as_deref()),
                summary: &c.summary,
            })
            .collect();
        let entries = newest_entries(entries, FEED_ENTRIES);
        let updated = entries
            .first()
            .map(|e| e.updated.clone())
            .unwrap_or_else(|| stamp(None));
        let mut urls: Vec<String> = ["index.html", metrics_page::METRICS_URL]
            .into_iter()
            .map(str::to_string)
            .chain(self.site.content.cases.iter().map(|c| c.url.clone()))
            .chain(self.site.index_pages.iter().skip(1).map(|p| p.url.clone()))
            .chain(self.site.taxonomies.iter().flat_map(|t| {
                std::iter::once(format!("{}/index.html", t.kind.key())).chain(
                    t.terms
                        .iter()
                        .flat_map(|term| term.pages.iter().map(|p| p.url.clone())),
                )
            }))
            .chain(self.site.content.pages.iter().map(|p| p.url.clone()))
            .map(|u| format!("{base}{u}"))
            .collect();
        urls.sort();
        let mut page = FeedPage {
            common: self.common(names[0]),
            site_url: if base.is_empty() {
                "index.html".into()
            } else {
                base.clone()
            },
            feed_url: format!("{base}atom.xml"),
            updated,
            entries,
            urls,
        };
        names
            .iter()
            .map(|name| {
                page.common = self.common(name);
                self.page(name, name, &page)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_keeps_the_newest_entries_in_order() {
        let entry = |k: usize| FeedEntry {
            id: String::new(),
            title: "",
            url: format!("cases/{:03}.html", (k * 37) % 120),
            updated: format!("2022-0{}-01", 1 + k % 7),
            summary: "",
        };
        let urls = |entries: &[FeedEntry]| -> Vec<String> {
            entries
                .iter()
                .map(|e| format!("{} {}", e.updated, e.url))
                .collect()
        };
        let mut all: Vec<FeedEntry> = (0..120).map(entry).collect();
        all.sort_by(|a, b| b.updated.cmp(&a.updated).then(a.url.cmp(&b.url)));
        for n in [0, 1, 17, 50, 119, 120, 200] {
            let kept = newest_entries((0..120).map(entry).collect(), n);
            assert_eq!(urls(&kept), urls(&all[..n.min(120)]), "{n}");
        }
    }

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            escape_html("审批<时间>&“引号”"),
            "审批&lt;时间&gt;&amp;“引号”"
        );
        assert_eq!(escape_html("plain 文本"), "plain 文本");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn the_mark_character_is_always_escaped() {
        assert_eq!(escape_html(ROOT_MARK), "&#xE000;root&#xE000;");
        assert_eq!(escape_html(BODY_MARK), "&#xE000;body&#xE000;");
        assert_eq!(
            escape_html("a\u{E000}body\u{E000}<"),
            "a&#xE000;body&#xE000;&lt;"
        );
        assert_eq!(
            escape_html(&format!("{ROOT_MARK} ")),
            "&#xE000;root&#xE000; "
        );
        assert_eq!(escape_html("\u{E001}"), "\u{E001}");
        let long = "长".repeat(SHORT_VALUE);
        assert_eq!(
            escape_html(&format!("{long}\u{E000}")),
            format!("{long}&#xE000;")
        );
    }

    /// Every mix of the five characters, text between and at either end, is escaped as a
    /// byte-by-byte reference would.
    #[test]
    fn escapes_like_a_byte_by_byte_reference() {
        let reference = |text: &str| {
            let mut out = String::new();
            for c in text.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(c),
                }
            }
            out
        };
        let pieces = ["&", "<", ">", "\"", "'", "审", "a", "&&", "\"'"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    // Short values are looked at byte by byte first, long ones searched.
                    for pad in ["", &"长".repeat(SHORT_VALUE / 3 + 1)] {
                        let text = format!("{a}{pad}{b}x{c}{a}");
                        assert_eq!(escape_html(&text), reference(&text), "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b/%E4%B8%AD.html"), "a b/中.html");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn reads_every_report_of_a_tera_error() {
        let text = "error: Unknown filter `nope`\n  --> case.html:3:19\n   |\n 3 | x\n\n\
                    note: defined here other.html:1:1\n\n\
                    error: Component `x` not found\n  --> dir/a:b.html:12:5\n";
        assert_eq!(
            tera_reports(text),
            [
                TeraReport {
                    message: "Unknown filter `nope`".into(),
                    file: Some("case.html".into()),
                    at: Some((3, 19)),
                },
                TeraReport {
                    message: "Component `x` not found".into(),
                    file: Some("dir/a:b.html".into()),
                    at: Some((12, 5)),
                },
            ]
        );
        assert_eq!(tera_reports("Template 'x.html' not found"), []);
    }

    /// Every error a theme can make comes out on its file, with a place where Tera knows one.
    fn compile_errors(templates: &[(&str, &str)]) -> Vec<String> {
        let mut theme = Theme {
            templates: Default::default(),
            statics: Default::default(),
        };
        for (name, text) in templates {
            theme.templates.insert(
                name.to_string(),
                theme::TemplateSource {
                    text: text.to_string(),
                    origin: format!("templates/{name}").into(),
                },
            );
        }
        match Templates::compile(&theme) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn template_errors_name_file_line_and_column() {
        let syntax = compile_errors(&[("page.html", "<p>\n{{ a }\n")]);
        assert_eq!(syntax.len(), 1, "{syntax:?}");
        assert!(
            syntax[0].starts_with("templates/page.html:2:"),
            "{syntax:?}"
        );
        assert!(syntax[0].contains("template syntax error"), "{syntax:?}");
        // Two unknown filters in two templates: both reported by one build.
        let two = compile_errors(&[
            ("page.html", "<p>{{ a | nope }}</p>"),
            ("404.html", "<p>\n{{ b | nada }}</p>"),
        ]);
        assert_eq!(two.len(), 2, "{two:?}");
        assert!(
            two.iter().any(|d| d.starts_with("templates/page.html:1:")),
            "{two:?}"
        );
        assert!(
            two.iter().any(|d| d.starts_with("templates/404.html:2:")),
            "{two:?}"
        );
    }
}
