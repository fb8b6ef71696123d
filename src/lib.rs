//! casebook: a static-site generator for case collections.
//!
//! The build is a one-way pipeline, one module per stage:
//! [`config`] → [`content`] (load and validate) → [`site`] (the model) → [`render`] →
//! [`output`] (the only stage that writes: a staging folder swapped in, or on a rebuild only
//! the files that changed).
//! Problems are collected as [`Diagnostics`] and reported together; a failed build leaves the
//! previous output folder untouched.

pub mod bundle;
pub mod config;
pub mod content;
pub mod decimal;
pub mod diagnostic;
mod hash;
pub mod import;
pub mod incremental;
pub mod output;
pub mod render;
pub mod report;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod watch;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use config::Config;
pub use diagnostic::{Diagnostic, Diagnostics};

use render::markdown::MarkdownRenderer;
use render::theme::Theme;
use render::Templates;

/// At most this many items (cases, pages, files) to one rayon task, in the loops over every
/// case. Rayon splits a range only while its pieces are stolen, so a loop's last piece could
/// be a twentieth of it: one thread finished it alone while the other sat idle, 20 ms at the
/// end of the Markdown pass of a 10,000-case build, and again at the end of parsing and of
/// the case pages (`perf` timelines). Pieces of this many items (a millisecond or less) can
/// always be shared.
pub(crate) const PER_TASK: usize = 16;

/// What `casebook build` and `casebook check` were asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output folder; `public/` in the site root when absent.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from the config.
    pub base_url: Option<String>,
    /// Include cases and pages marked `draft: true`.
    pub drafts: bool,
    /// Counts the files rendered so far, for a progress display.
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicUsize>>,
}

/// What a successful build did.
#[derive(Debug)]
pub struct BuildReport {
    pub cases: usize,
    /// HTML pages written.
    pub pages: usize,
    /// All files of the site (pages, feeds, static files, assets).
    pub files: usize,
    /// Files actually written: a rebuild leaves files that did not change alone.
    pub written: usize,
    pub output: PathBuf,
    pub warnings: Diagnostics,
    /// How long each stage took, in order (printed by `--verbose`).
    pub timings: Vec<(&'static str, Duration)>,
    pub elapsed: Duration,
    /// `print_max_cases`, when the collection has more cases and so no `print.html`: the
    /// command line says so, since the page a smaller collection had is gone.
    pub print_limit_passed: Option<usize>,
}

/// The output folder of a build (`public/` in the site unless `--output`), refused when it
/// would hold the site's sources.
pub fn output_dir(root: &Path, options: &BuildOptions) -> Result<PathBuf, Diagnostics> {
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| root.join("public"));
    output::check_output_dir(root, &output)
        .map_err(|e| Diagnostic::error(&output, e.to_string()))?;
    Ok(output)
}

/// Builds the site in `root` into the output folder. A first build writes a staging folder
/// and swaps it in; a rebuild writes only the files that changed ([`output::Refresh`]). Either
/// way a failed build leaves the output folder as it was.
pub fn build(root: &Path, options: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let start = Instant::now();
    let output = output_dir(root, options)?;
    let write_error = |e: output::OutputError| {
        let hint = match e {
            output::OutputError::Io { .. } => "check permissions and free space",
            _ => "report this: casebook made an output path it should not have",
        };
        Diagnostic::error(&output, e.to_string()).with_hint(hint)
    };
    let (mut site, written) = if output::Refresh::applies_to(&output) {
        let refresh = output::Refresh::new(&output).map_err(write_error)?;
        let site = render(root, options, &refresh)?;
        let committed = Instant::now();
        let stats = refresh.commit().map_err(write_error)?;
        (site, (stats.written.len(), committed.elapsed()))
    } else {
        let staging = output::Staging::new(&output).map_err(write_error)?;
        let site = render(root, options, &staging)?;
        let committed = Instant::now();
        staging.commit().map_err(write_error)?;
        let files = site.paths.len();
        (site, (files, committed.elapsed()))
    };
    let (written, time) = written;
    site.timings
        .push(("move the new and changed files in", time));
    let mut report = site.report(output, start);
    report.written = written;
    Ok(report)
}

/// Builds the site in `root` into one deterministic zip at `target` (the offline bundle).
pub fn bundle(
    root: &Path,
    options: &BuildOptions,
    target: &Path,
) -> Result<BuildReport, Diagnostics> {
    let start = Instant::now();
    let files = output::Collect::default();
    let mut site = render(root, options, &files)?;
    let zipped = Instant::now();
    bundle::write_bundle(&files.into_files(), target).map_err(|e| {
        Diagnostic::error(target, e.to_string()).with_hint("check permissions and free space")
    })?;
    site.timings.push(("zip", zipped.elapsed()));
    Ok(site.report(target.to_path_buf(), start))
}

/// Validates and renders everything, writing nothing: the CI gate.
pub fn check(root: &Path, options: &BuildOptions) -> Result<BuildReport, Diagnostics> {
    let start = Instant::now();
    Ok(render(root, options, &output::Discard)?.report(PathBuf::new(), start))
}

/// A rendered site: what went to the sink.
pub struct RenderedSite {
    /// Paths of every file, sorted.
    pub paths: Vec<String>,
    pub cases: usize,
    pub warnings: Diagnostics,
    /// How long each stage took, in order (printed by `--verbose`).
    pub timings: Vec<(&'static str, Duration)>,
    /// See [`BuildReport::print_limit_passed`].
    pub print_limit_passed: Option<usize>,
}

impl RenderedSite {
    fn report(self, output: PathBuf, start: Instant) -> BuildReport {
        BuildReport {
            cases: self.cases,
            pages: self.paths.iter().filter(|p| p.ends_with(".html")).count(),
            files: self.paths.len(),
            written: self.paths.len(),
            output,
            warnings: self.warnings,
            timings: self.timings,
            elapsed: start.elapsed(),
            print_limit_passed: self.print_limit_passed,
        }
    }
}

/// Validates the site in `root` and renders it into `sink`.
pub fn render(
    root: &Path,
    options: &BuildOptions,
    sink: &dyn output::Sink,
) -> Result<RenderedSite, Diagnostics> {
    let config = load_config(root, options)?;
    match &options.progress {
        Some(count) => render_all(config, options, &output::Counting { inner: sink, count }),
        None => render_all(config, options, sink),
    }
}

pub(crate) fn load_config(root: &Path, options: &BuildOptions) -> Result<Config, Diagnostics> {
    let mut config = Config::load(root)?;
    if let Some(url) = &options.base_url {
        config.raw.base_url = Some(url.clone());
        let text = std::fs::read_to_string(root.join(config::CONFIG_FILE)).unwrap_or_default();
        let mut edited: toml::Table = toml::from_str(&text).unwrap_or_default();
        edited.insert("base_url".into(), toml::Value::String(url.clone()));
        config = Config::from_toml(root, &toml::to_string(&edited).unwrap_or_default())?;
    }
    Ok(config)
}

/// Every stage up to rendered files; content and template problems are reported together.
/// Stage timings of a build or rebuild (`--verbose`).
pub(crate) struct Laps {
    clock: Instant,
    pub(crate) stages: Vec<(&'static str, Duration)>,
}

impl Laps {
    pub(crate) fn new() -> Laps {
        Laps {
            clock: Instant::now(),
            stages: Vec::new(),
        }
    }

    /// Ends `stage`: the time since the last lap.
    pub(crate) fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.stages.push((stage, now - self.clock));
        self.clock = now;
    }
}

fn render_all(
    config: Config,
    options: &BuildOptions,
    sink: &dyn output::Sink,
) -> Result<RenderedSite, Diagnostics> {
    let mut laps = Laps::new();
    let markdown = MarkdownRenderer::for_site(&config.raw);
    let ((content, mut problems), templates) = rayon::join(
        || content::load_rendered(&config, &markdown, options.drafts),
        || Theme::load(&config).and_then(|theme| Templates::compile(&theme).map(|t| (theme, t))),
    );
    laps.lap("load and validate content, compile templates");
    let model = site::Site::new(config, content);
    let (mut site, (theme, templates)) = match (model, templates) {
        (Ok(site), Ok(t)) if !problems.has_errors() => (site, t),
        (model, templates) => {
            problems.extend(model.err().unwrap_or_default());
            problems.extend(templates.err().unwrap_or_default());
            problems.sort();
            return Err(problems);
        }
    };
    laps.lap("site model");
    let paths = render::render_site(&site, &templates, &theme, sink)?;
    laps.lap("render and write pages, search index, exports");
    let rendered = RenderedSite {
        paths,
        cases: site.content.cases.len(),
        warnings: std::mem::take(&mut site.content.warnings),
        timings: laps.stages,
        print_limit_passed: site.print_limit_passed(),
    };
    free_in_background(site);
    Ok(rendered)
}

/// Drops `value` on a thread of its own. The model of a large site is millions of
/// allocations: freeing them took 20–30 ms at the end of a 10,000-case build, with the
/// other core idle and every file written; a command-line build now exits without waiting.
fn free_in_background<T: Send + 'static>(value: T) {
    // Should the thread not start, the closure, and with it `value`, is dropped here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    /// Says on a channel when it is dropped.
    struct Tell(mpsc::Sender<()>);

    impl Drop for Tell {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }

    #[test]
    fn freed_in_background_is_dropped() {
        let (tx, rx) = mpsc::channel();
        super::free_in_background(Tell(tx));
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(()));
    }
}
