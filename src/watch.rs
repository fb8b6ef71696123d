//! `casebook watch`: rebuild on every save, incrementally, never losing the last good site.
//!
//! File events come from `notify` (inotify, FSEvents, …, or polling with `--poll`). Editors
//! save in several steps — vim writes a `4913` probe, renames the file to `001.md~`, writes
//! the new one and deletes the backup; emacs leaves `.#` locks; JetBrains writes
//! `___jb_tmp___` files — and `git checkout` rewrites hundreds of files at once. So events
//! are filtered (editor droppings, hidden files, anything in the output folder, reads) and
//! gathered until the tree has been quiet for [`QUIET`] (longer once many files changed):
//! one logical save, one rebuild; one `git checkout`, one rebuild.
//!
//! Only the site's sources are watched: `casebook.toml` (the root, not recursively) and the
//! `content/`, `templates/`, `themes/` and `static/` folders, so the build's own writes to
//! `public/` never reach the watcher, and the output folder is filtered out besides. A
//! build error is handed to the caller and the loop goes on: the next good save recovers.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, EventKind, MetadataKind, ModifyKind};
use notify::{RecursiveMode, Watcher};

use crate::config::CONFIG_FILE;
use crate::content::is_ignored;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::incremental::{Incremental, Rebuild};
use crate::BuildOptions;

/// How long the tree must be quiet before a rebuild starts.
pub const QUIET: Duration = Duration::from_millis(30);
/// Once this many files changed it is a burst (`git checkout`, a search-and-replace), not
/// an editor's save (which touches one source): wait for [`BURST_QUIET`] instead, so a
/// writer that stalls briefly still gives one rebuild.
const BURST_PATHS: usize = 3;
const BURST_QUIET: Duration = Duration::from_millis(250);
/// A burst that never goes quiet still rebuilds this often.
const MAX_WAIT: Duration = Duration::from_secs(2);
/// Outputs left out of rebuilds for speed (those that cover every case: the print page, the
/// search index, the metrics page and the exports) are updated after this long without
/// changes, and before the watcher stops.
const CATCH_UP_AFTER: Duration = Duration::from_millis(300);
/// How often `--poll` looks at the files. It compares contents too: modification times it
/// sees have whole-second resolution, and a save within the second would go unnoticed.
const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The folders of a site whose files are sources, besides `casebook.toml` in the root.
const SOURCE_DIRS: [&str; 4] = ["content", "templates", "themes", "static"];

/// What `casebook watch` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    pub root: PathBuf,
    pub build: BuildOptions,
    /// Poll the files instead of using the file system's events.
    pub poll: bool,
}

/// What the watcher reports after each build.
pub enum Outcome<'a> {
    Built {
        /// Changed sources, relative to the site root (empty for the first build).
        changed: &'a [PathBuf],
        rebuild: &'a Rebuild,
    },
    Failed {
        changed: &'a [PathBuf],
        problems: &'a Diagnostics,
    },
}

/// Builds the site, then rebuilds after every change until `stop` is set, bringing the
/// deferred outputs up to date before it returns. Errors only when
/// the watch cannot start (a bad output folder, no file events); build errors go to
/// `on_build` and the loop goes on.
pub fn run(
    options: &WatchOptions,
    stop: &AtomicBool,
    on_build: &mut dyn FnMut(Outcome),
) -> Result<(), Diagnostics> {
    let mut site = Incremental::new(&options.root, &options.build)?;
    let root = std::fs::canonicalize(&options.root)
        .map_err(|e| Diagnostic::error(&options.root, format!("cannot read: {e}")))?;
    let filter = EventFilter {
        output: absolute(site.output()),
        root,
    };
    let (tx, rx) = channel();
    let watcher: Box<dyn Watcher> = if options.poll {
        let config = notify::Config::default()
            .with_poll_interval(POLL_INTERVAL)
            .with_compare_contents(true);
        Box::new(notify::PollWatcher::new(tx, config).map_err(watch_error)?)
    } else {
        Box::new(notify::recommended_watcher(tx).map_err(watch_error)?)
    };
    let mut sources = Sources {
        watcher,
        watched: BTreeSet::new(),
    };
    sources.refresh(&filter.root).map_err(watch_error)?;
    report(site.rebuild(&[]), &[], on_build);
    loop {
        let idle = site.has_deferred().then_some(CATCH_UP_AFTER);
        match next_batch(&rx, &filter, stop, idle) {
            Batch::Stop => {
                // Stopped right after a save, the folder would keep the deferred outputs out
                // of date (and the exports may be deployed from it): they catch up first.
                if let Some(result) = site.catch_up() {
                    report(result, &[], on_build);
                }
                return Ok(());
            }
            Batch::Idle => {
                if let Some(result) = site.catch_up() {
                    report(result, &[], on_build);
                }
            }
            Batch::Changed(changed) => {
                // A folder may have appeared (`templates/`) or gone; not fatal if unwatched.
                let _ = sources.refresh(&filter.root);
                report(site.rebuild(&changed), &changed, on_build);
            }
        }
    }
}

fn report(
    result: Result<Rebuild, Diagnostics>,
    changed: &[PathBuf],
    on_build: &mut dyn FnMut(Outcome),
) {
    match result {
        Ok(rebuild) => on_build(Outcome::Built {
            changed,
            rebuild: &rebuild,
        }),
        Err(problems) => on_build(Outcome::Failed {
            changed,
            problems: &problems,
        }),
    }
}

fn watch_error(e: notify::Error) -> Diagnostics {
    Diagnostic::error(".", format!("cannot watch the site for changes: {e}"))
        .with_hint("try `--poll`, or raise fs.inotify.max_user_watches")
        .into()
}

/// The watcher and the source folders it watches.
struct Sources {
    watcher: Box<dyn Watcher>,
    watched: BTreeSet<PathBuf>,
}

impl Sources {
    /// Watches the root (for `casebook.toml` and new source folders) and each source folder
    /// that exists; forgets folders that are gone.
    fn refresh(&mut self, root: &Path) -> notify::Result<()> {
        if self.watched.is_empty() {
            self.watcher.watch(root, RecursiveMode::NonRecursive)?;
            self.watched.insert(root.to_path_buf());
        }
        for name in SOURCE_DIRS {
            let dir = root.join(name);
            let exists = dir.is_dir();
            if exists && !self.watched.contains(&dir) {
                self.watcher.watch(&dir, RecursiveMode::Recursive)?;
                self.watched.insert(dir);
            } else if !exists && self.watched.remove(&dir) {
                let _ = self.watcher.unwatch(&dir);
            }
        }
        Ok(())
    }
}

/// What the watcher waited for.
enum Batch {
    /// Sources changed (relative to the root) and the tree is quiet again.
    Changed(Vec<PathBuf>),
    /// Nothing changed for the idle time asked for.
    Idle,
    Stop,
}

/// Waits for a change, then for quiet; or for `idle` without changes, if given.
fn next_batch(
    rx: &Receiver<notify::Result<notify::Event>>,
    filter: &EventFilter,
    stop: &AtomicBool,
    idle: Option<Duration>,
) -> Batch {
    let mut changed = BTreeSet::new();
    let mut started: Option<Instant> = None;
    let entered = Instant::now();
    let mut quiet_until = entered;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Batch::Stop;
        }
        let now = Instant::now();
        let wait = match started {
            Some(start) if now >= quiet_until || now >= start + MAX_WAIT => {
                return Batch::Changed(changed.into_iter().collect())
            }
            Some(_) => quiet_until - now,
            None if idle.is_some_and(|idle| now >= entered + idle) => return Batch::Idle,
            None => Duration::from_millis(20),
        };
        let event = match rx.recv_timeout(wait) {
            Ok(Ok(event)) => event,
            // An error from the backend (e.g. a queue overflow): rescan everything.
            Ok(Err(_)) => notify::Event::new(EventKind::Any).set_flag(notify::event::Flag::Rescan),
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return Batch::Stop,
        };
        let before = changed.len();
        filter.collect(&event, &mut changed);
        if changed.len() > before || (started.is_some() && filter.counts(&event)) {
            let now = Instant::now();
            started.get_or_insert(now);
            let burst = changed.len() >= BURST_PATHS;
            quiet_until = now + if burst { BURST_QUIET } else { QUIET };
        }
    }
}

/// Decides which events are changes to the site's sources.
struct EventFilter {
    root: PathBuf,
    output: PathBuf,
}

impl EventFilter {
    /// Whether the kind of event can change a file (reads and access times cannot).
    fn counts(&self, event: &notify::Event) -> bool {
        match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
            _ => true,
        }
    }

    /// Adds the event's source paths (relative to the root) to `changed`.
    fn collect(&self, event: &notify::Event, changed: &mut BTreeSet<PathBuf>) {
        if event.need_rescan() {
            changed.insert(PathBuf::from(CONFIG_FILE));
            return;
        }
        if !self.counts(event) {
            return;
        }
        changed.extend(event.paths.iter().filter_map(|p| self.source(p)));
    }

    /// `path` relative to the root if it is a source of the site.
    fn source(&self, path: &Path) -> Option<PathBuf> {
        if path.starts_with(&self.output) {
            return None;
        }
        let rel = path.strip_prefix(&self.root).ok()?;
        let mut parts = rel.components();
        let first = match parts.next()? {
            Component::Normal(name) => name.to_str()?,
            _ => return None,
        };
        let is_source = if first == CONFIG_FILE {
            parts.next().is_none()
        } else {
            SOURCE_DIRS.contains(&first)
        };
        let ignored = rel.components().any(|c| is_ignored(c.as_os_str()));
        (is_source && !ignored).then(|| rel.to_path_buf())
    }
}

/// An absolute form of a path that may not exist yet (the output folder before a build).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(path) = std::fs::canonicalize(path) {
        return path;
    }
    let name = path.file_name().unwrap_or_default();
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    std::fs::canonicalize(parent)
        .unwrap_or_else(|_| parent.to_path_buf())
        .join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> EventFilter {
        EventFilter {
            root: PathBuf::from("/site"),
            output: PathBuf::from("/site/public"),
        }
    }

    #[test]
    fn only_sources_are_changes() {
        let f = filter();
        let yes = [
            "/site/casebook.toml",
            "/site/content/cases/001.md",
            "/site/content/new-folder",
            "/site/templates/case.html",
            "/site/themes/x/static/a.css",
            "/site/static/logo.svg",
        ];
        for p in yes {
            assert!(f.source(Path::new(p)).is_some(), "{p}");
        }
        let no = [
            "/site/public/cases/001.html",
            "/site/public",
            "/site/.public.casebook-new-1/index.html",
            "/site/content/cases/4913",
            "/site/content/cases/001.md~",
            "/site/content/cases/.001.md.swp",
            "/site/content/cases/.#001.md",
            "/site/content/cases/001.md___jb_tmp___",
            "/site/content/.DS_Store",
            "/site/content/.git/HEAD",
            "/site/README.md",
            "/site/casebook.toml/x",
            "/elsewhere/content/a.md",
        ];
        for p in no {
            assert!(f.source(Path::new(p)).is_none(), "{p}");
        }
    }

    #[test]
    fn reads_are_not_changes() {
        let f = filter();
        let event =
            |kind| notify::Event::new(kind).add_path(PathBuf::from("/site/content/cases/001.md"));
        let mut changed = BTreeSet::new();
        f.collect(
            &event(EventKind::Access(AccessKind::Open(AccessMode::Read))),
            &mut changed,
        );
        f.collect(
            &event(EventKind::Access(AccessKind::Close(AccessMode::Read))),
            &mut changed,
        );
        assert!(changed.is_empty());
        f.collect(
            &event(EventKind::Access(AccessKind::Close(AccessMode::Write))),
            &mut changed,
        );
        assert_eq!(changed.len(), 1);
    }
}
