//! Incremental rebuilds must leave exactly what a clean build of the same sources writes.

mod common;
mod live_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use casebook::incremental::Incremental;
use casebook::BuildOptions;

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

struct Site {
    dir: tempfile::TempDir,
    watch: Incremental,
    /// What the catch-up after the last [`Site::rebuild_and_compare`] wrote.
    caught_up: Vec<String>,
}

/// The outputs that cover every case, which a save leaves to the catch-up.
fn deferred(path: &str) -> bool {
    path == "print.html"
        || path.starts_with("search/")
        || path == "metrics.html"
        || path.starts_with("data/")
}

impl Site {
    fn new() -> Site {
        Site::with_config("")
    }

    /// The watch fixture with `top` (top-level keys) put first in its config.
    fn with_config(top: &str) -> Site {
        Site::with_more_cases(top, 0)
    }

    /// [`Site::with_config`] with `more` copies of case 4 (ids from 100, dates from 2020),
    /// older than the fixture's own cases.
    fn with_more_cases(top: &str, more: usize) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/watch_site");
        live_support::copy_dir(&fixture, dir.path());
        let model = fs::read_to_string(dir.path().join("content/cases/004.md")).unwrap();
        for n in 0..more {
            let id = 100 + n;
            let case = model
                .replace("id: 4", &format!("id: {id}"))
                .replace("title: Night market licences", &format!("title: Copy {id}"))
                .replace(
                    "date: 2024-01-14",
                    &format!("date: 2020-01-{:02}", 1 + n % 28),
                );
            fs::write(dir.path().join(format!("content/cases/{id}.md")), case).unwrap();
        }
        let config = dir.path().join("casebook.toml");
        let text = fs::read_to_string(&config).unwrap();
        fs::write(&config, format!("{top}\n{text}")).unwrap();
        let options = BuildOptions {
            output: Some(dir.path().join("public")),
            ..Default::default()
        };
        let mut watch = Incremental::new(dir.path(), &options).unwrap();
        watch.rebuild(&[]).unwrap();
        Site {
            dir,
            watch,
            caught_up: Vec::new(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = fs::read_to_string(self.path(rel)).unwrap();
        assert!(text.contains(from), "{rel} has `{from}`");
        fs::write(self.path(rel), text.replace(from, to)).unwrap();
    }

    /// Rebuilds after `changed` and compares the output with a clean build.
    fn rebuild_and_compare(&mut self, changed: &[&str]) -> casebook::incremental::Rebuild {
        let changed: Vec<PathBuf> = changed.iter().map(PathBuf::from).collect();
        let report = self.watch.rebuild(&changed).unwrap();
        self.caught_up.clear();
        if let Some(caught_up) = self.watch.catch_up() {
            let caught_up = caught_up.unwrap();
            // Only the outputs that cover every case are deferred.
            assert!(
                caught_up.written.iter().all(|p| deferred(p)),
                "{caught_up:?}"
            );
            self.caught_up = caught_up.written;
        }
        assert!(self.watch.catch_up().is_none(), "nothing left to catch up");
        let clean = tempfile::tempdir().unwrap();
        let options = BuildOptions {
            output: Some(clean.path().join("public")),
            ..Default::default()
        };
        casebook::build(self.dir.path(), &options).unwrap();
        let (got, want) = (
            tree(&self.path("public")),
            tree(&clean.path().join("public")),
        );
        let got_names: Vec<_> = got.keys().collect();
        let want_names: Vec<_> = want.keys().collect();
        assert_eq!(got_names, want_names, "after {changed:?}");
        for (name, bytes) in &want {
            assert!(got[name] == *bytes, "{name} differs after {changed:?}");
        }
        report
    }
}

#[test]
fn every_kind_of_edit_matches_a_clean_build() {
    let mut site = Site::new();
    let body = "content/cases/001.md";
    site.edit(body, "Marker-1: original", "Marker-1: body edit");
    let report = site.rebuild_and_compare(&[body]);
    // The search index covers every case: it catches up once saves pause, like print.html.
    assert_eq!(report.written, ["cases/001.html"]);

    site.edit(body, "title: Faster permits", "title: Much faster permits");
    let report = site.rebuild_and_compare(&[body]);
    for page in ["cases/001.html", "cases/002.html", "index.html", "atom.xml"] {
        assert!(
            report.written.iter().any(|p| p == page),
            "{page}: {report:?}"
        );
    }
    assert!(
        !report.written.iter().any(|p| p == "sitemap.xml"),
        "no URL changed"
    );

    // A second metric: the case's listing (headline = first metric) is unchanged, but the
    // metrics page and data exports change, once saves pause.
    let second = "    better: lower\n  - name: Counters\n    unit: counters\n    value: 3\n---";
    site.edit(body, "    better: lower\n---", second);
    let report = site.rebuild_and_compare(&[body]);
    assert!(!report.written.iter().any(|p| deferred(p)), "{report:?}");
    assert!(
        site.caught_up.iter().any(|p| p == "data/metrics.csv"),
        "{:?}",
        site.caught_up
    );
    assert!(
        !report.written.iter().any(|p| p == "index.html"),
        "{report:?}"
    );

    site.edit(body, "tags: [permits, speed]", "tags: [permits, data]");
    site.rebuild_and_compare(&[body]);

    site.edit(
        "content/cases/004.md",
        "date: 2024-01-14",
        "date: 2023-12-01",
    );
    site.rebuild_and_compare(&["content/cases/004.md"]);

    fs::remove_file(site.path("content/cases/003.md")).unwrap();
    let report = site.rebuild_and_compare(&["content/cases/003.md"]);
    assert!(report.removed.iter().any(|p| p == "cases/003.html"));

    fs::rename(
        site.path("content/cases/002.md"),
        site.path("content/cases/b.md"),
    )
    .unwrap();
    site.rebuild_and_compare(&["content/cases/002.md", "content/cases/b.md"]);

    let new_case = fs::read_to_string(site.path("content/cases/004.md"))
        .unwrap()
        .replace("id: 4", "id: 9")
        .replace("Night market", "Day market");
    fs::write(site.path("content/cases/009.md"), new_case).unwrap();
    site.rebuild_and_compare(&["content/cases/009.md"]);

    site.edit("content/_index.md", "Cases edited", "Cases, edited");
    site.rebuild_and_compare(&["content/_index.md"]);

    site.edit("casebook.toml", "language = \"en\"", "language = \"zh-CN\"");
    let report = site.rebuild_and_compare(&["casebook.toml"]);
    assert!(report.full);

    fs::create_dir_all(site.path("static")).unwrap();
    fs::write(site.path("static/extra.css"), "body{}").unwrap();
    site.rebuild_and_compare(&["static/extra.css"]);
}

/// A new case that takes the collection past `print_max_cases` removes `print.html` and the
/// link to it from every page; deleting the case brings both back, as clean builds do.
#[test]
fn crossing_print_max_cases_removes_and_restores_the_print_page() {
    let mut site = Site::with_config("print_max_cases = 4");
    assert!(site.path("public/print.html").is_file());
    let new_case = fs::read_to_string(site.path("content/cases/004.md"))
        .unwrap()
        .replace("id: 4", "id: 9");
    fs::write(site.path("content/cases/009.md"), new_case).unwrap();
    let report = site.rebuild_and_compare(&["content/cases/009.md"]);
    assert!(
        report.removed.iter().any(|p| p == "print.html"),
        "{report:?}"
    );
    assert!(!fs::read_to_string(site.path("public/cases/001.html"))
        .unwrap()
        .contains("print.html"));

    fs::remove_file(site.path("content/cases/009.md")).unwrap();
    site.rebuild_and_compare(&["content/cases/009.md"]);
    assert!(site.path("public/print.html").is_file());
    assert!(fs::read_to_string(site.path("public/cases/001.html"))
        .unwrap()
        .contains("print.html"));
}

/// A save that changes what lists show of a case but not where it is listed (its title, its
/// metric values) takes the fast path: the model is patched, not rebuilt, and only the pages
/// that show the case are rendered.
#[test]
fn a_retitled_case_rewrites_only_the_pages_that_show_it() {
    let mut site = Site::with_more_cases("paginate_by = 10", 60);
    let old = "content/cases/130.md";
    site.edit(old, "title: Copy 130", "title: Copy 130, retitled");
    let report = site.rebuild_and_compare(&[old]);
    let fast = |r: &casebook::incremental::Rebuild| {
        r.timings
            .iter()
            .any(|(stage, _)| *stage == "patch the site model")
    };
    assert!(fast(&report), "{report:?}");
    let written = |page: &str| report.written.iter().any(|p| p == page);
    for page in ["cases/130.html", "cases/129.html"] {
        assert!(written(page), "{page}: {report:?}");
    }
    // The data pages list the new title once saves pause.
    assert!(!report.written.iter().any(|p| deferred(p)), "{report:?}");
    for page in ["data/cases.json", "metrics.html"] {
        assert!(site.caught_up.iter().any(|p| p == page), "{page}");
    }
    assert!(
        !written("atom.xml"),
        "an old case is not in the feed: {report:?}"
    );
    assert!(!written("index.html"), "listed on a later page: {report:?}");
    assert!(report.written.len() < 20, "{report:?}");

    site.edit(old, "after: 9", "after: 7");
    let report = site.rebuild_and_compare(&[old]);
    assert!(fast(&report), "{report:?}");
    assert!(
        site.caught_up.iter().any(|p| p == "data/metrics.csv"),
        "{:?}",
        site.caught_up
    );

    // Two saves before the deferred pages catch up: the first case's pages stay.
    site.edit(old, "title: Copy 130, retitled", "title: Copy 130, again");
    let report = site.watch.rebuild(&[PathBuf::from(old)]).unwrap();
    assert!(fast(&report), "{report:?}");
    let other = "content/cases/140.md";
    site.edit(other, "title: Copy 140", "title: Copy 140, retitled");
    let report = site.rebuild_and_compare(&[other]);
    assert!(fast(&report), "{report:?}");

    // A new tag moves the case onto another term page: the general path.
    site.edit(old, "tags: [licences, speed]", "tags: [licences, night]");
    let report = site.rebuild_and_compare(&[old]);
    assert!(!fast(&report), "{report:?}");
}

#[test]
fn paginated_lists_rewrite_only_the_pages_that_change() {
    let mut site = Site::with_config("paginate_by = 2");
    assert!(site.path("public/index/2.html").is_file());
    let first = "content/cases/001.md";
    site.edit(first, "title: Faster permits", "title: Much faster permits");
    let report = site.rebuild_and_compare(&[first]);
    let written = |page: &str| report.written.iter().any(|p| p == page);
    assert!(written("index.html"), "{report:?}");
    assert!(
        !written("index/2.html"),
        "case 1 is not listed there: {report:?}"
    );

    let last = "content/cases/004.md";
    site.edit(last, "date: 2024-01-14", "date: 2023-12-01");
    let report = site.rebuild_and_compare(&[last]);
    assert!(
        report.written.iter().any(|p| p == "index/2.html"),
        "{report:?}"
    );
    assert!(
        !report.written.iter().any(|p| p == "index.html"),
        "{report:?}"
    );

    // Two cases fewer: the index fits on one page and its second page goes.
    fs::remove_file(site.path("content/cases/003.md")).unwrap();
    fs::remove_file(site.path(last)).unwrap();
    let report = site.rebuild_and_compare(&["content/cases/003.md", last]);
    assert!(
        report.removed.iter().any(|p| p == "index/2.html"),
        "{report:?}"
    );
}

#[test]
fn a_failed_build_writes_nothing_and_the_next_recovers() {
    let mut site = Site::new();
    let before = tree(&site.path("public"));
    let rel = "content/cases/002.md";
    site.edit(rel, "region: South", "region: [South");
    let problems = site.watch.rebuild(&[PathBuf::from(rel)]).unwrap_err();
    assert!(problems.to_string().contains("002.md"), "{problems}");
    // Another case saved while the site is broken: still broken, still nothing written.
    site.edit(
        "content/cases/001.md",
        "Marker-1: original",
        "Marker-1: meanwhile",
    );
    assert!(site
        .watch
        .rebuild(&[PathBuf::from("content/cases/001.md")])
        .is_err());
    assert_eq!(tree(&site.path("public")), before);
    site.edit(rel, "region: [South", "region: South");
    site.rebuild_and_compare(&[rel]);
    assert!(fs::read_to_string(site.path("public/cases/001.html"))
        .unwrap()
        .contains("Marker-1: meanwhile"));
}

#[test]
fn a_broken_link_fails_the_fast_path_too() {
    let mut site = Site::new();
    let rel = "content/cases/001.md";
    site.edit(
        rel,
        "Marker-1: original",
        "See [the tax case](002.md) and [nothing](404.md).",
    );
    let problems = site.watch.rebuild(&[PathBuf::from(rel)]).unwrap_err();
    assert!(problems.to_string().contains("404.md"), "{problems}");
    site.edit(rel, " and [nothing](404.md)", "");
    site.rebuild_and_compare(&[rel]);
    let page = fs::read_to_string(site.path("public/cases/001.html")).unwrap();
    assert!(page.contains("002.html"), "the link resolves");
    // Deleting the target breaks the link in the unchanged case that points to it.
    fs::remove_file(site.path("content/cases/002.md")).unwrap();
    let problems = site
        .watch
        .rebuild(&[PathBuf::from("content/cases/002.md")])
        .unwrap_err();
    assert!(problems.to_string().contains("001.md"), "{problems}");
}

#[test]
fn the_first_watch_build_over_a_built_site_writes_only_what_differs() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/watch_site");
    live_support::copy_dir(&fixture, dir.path());
    let options = BuildOptions {
        output: Some(dir.path().join("public")),
        ..Default::default()
    };
    casebook::build(dir.path(), &options).unwrap();
    let page = dir.path().join("public/cases/001.html");
    let modified = fs::metadata(&page).unwrap().modified().unwrap();
    let stray = dir.path().join("public/stray.html");
    fs::write(&stray, "left by someone").unwrap();

    let mut watch = Incremental::new(dir.path(), &options).unwrap();
    let report = watch.rebuild(&[]).unwrap();
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(fs::metadata(&page).unwrap().modified().unwrap(), modified);
    assert!(!stray.exists(), "what the build does not make is removed");
    assert_eq!(report.removed, ["stray.html"], "and reported");
}

#[test]
fn a_failed_write_is_followed_by_a_whole_build_not_a_partial_one() {
    let mut site = Site::new();
    let case = "content/cases/002.md";
    // A folder where the page goes: replacing the page fails.
    let page = site.path("public/cases/002.html");
    fs::remove_file(&page).unwrap();
    fs::create_dir_all(page.join("in-the-way")).unwrap();
    site.edit(
        case,
        "One window for taxes in the south.",
        "Taxes, one window.",
    );
    assert!(site.watch.rebuild(&[PathBuf::from(case)]).is_err());

    fs::remove_dir_all(&page).unwrap();
    site.edit(case, "title: One window for taxes", "title: One window");
    let report = site.rebuild_and_compare(&[case]);
    assert!(
        report.written.iter().any(|p| p == "cases/002.html"),
        "{report:?}"
    );
}
