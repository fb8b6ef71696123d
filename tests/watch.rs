//! `casebook watch` driven by scripted editor saves: output contents and rebuild counts.

mod common;
mod live_support;

use std::fs;
use std::time::Duration;

use live_support::{eventually, read, Running};

/// Long enough for a second, unwanted rebuild to show up (the debounce is 30 ms).
const SETTLE: Duration = Duration::from_millis(600);

fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture text has `{from}`");
    text.replace(from, to)
}

#[test]
fn edit_in_place_rebuilds_the_page_once_and_never_loops_on_output() {
    let mut w = Running::start("watch_site", "watch", &[]);
    w.settle(SETTLE);
    assert_eq!(
        w.count("rebuilt"),
        0,
        "writing public/ inside the site triggers nothing"
    );
    let path = w.path("content/cases/001.md");
    fs::write(
        &path,
        edit(&read(&path), "Marker-1: original", "Marker-1: edited"),
    )
    .unwrap();
    let line = w.wait_rebuilt();
    assert!(line.contains("content/cases/001.md"), "{line}");
    assert!(read(&w.output("cases/001.html")).contains("Marker-1: edited"));
    w.settle(SETTLE);
    assert_eq!(w.count("rebuilt"), 1, "{:#?}", w.log);
    // A body edit touches that page only (and the search index files): neighbours and lists
    // are unchanged.
    assert!(line.contains(" files written (1 pages)"), "{line}");
    // The page with every case in full catches up once saves pause.
    if w.count("caught up") == 0 {
        w.wait_for("the catch-up", |l| l.starts_with("caught up"));
    }
    assert!(read(&w.output("print.html")).contains("Marker-1: edited"));
}

#[test]
fn temp_then_rename_saves_give_one_rebuild_each() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let dir = w.path("content/cases");
    let path = dir.join("002.md");
    // vim: probe file, backup by rename, write the new file, drop the backup.
    fs::write(dir.join("4913"), "").unwrap();
    fs::remove_file(dir.join("4913")).unwrap();
    fs::rename(&path, dir.join("002.md~")).unwrap();
    let text = read(&dir.join("002.md~"));
    fs::write(dir.join(".002.md.swp"), "swap").unwrap();
    fs::write(&path, edit(&text, "Marker-2: original", "Marker-2: vim")).unwrap();
    fs::remove_file(dir.join("002.md~")).unwrap();
    w.wait_rebuilt();
    assert!(read(&w.output("cases/002.html")).contains("Marker-2: vim"));
    w.settle(SETTLE);
    assert_eq!(w.count("rebuilt"), 1, "vim save: {:#?}", w.log);

    // JetBrains: write a temp file, move the old one away, move the temp in, delete the old.
    let tmp = dir.join("002.md___jb_tmp___");
    let old = dir.join("002.md___jb_old___");
    fs::write(
        &tmp,
        edit(&read(&path), "Marker-2: vim", "Marker-2: jetbrains"),
    )
    .unwrap();
    fs::rename(&path, &old).unwrap();
    fs::rename(&tmp, &path).unwrap();
    fs::remove_file(&old).unwrap();
    // emacs lock files and Finder droppings are not content.
    fs::write(dir.join(".#002.md"), "user@host").unwrap();
    fs::write(w.path("content/.DS_Store"), "x").unwrap();
    w.wait_rebuilt();
    assert!(read(&w.output("cases/002.html")).contains("Marker-2: jetbrains"));
    w.settle(SETTLE);
    assert_eq!(w.count("rebuilt"), 2, "jetbrains save: {:#?}", w.log);
    assert!(!w.output("cases/.swp").exists());
}

#[test]
fn deleted_and_renamed_cases_leave_every_list() {
    let mut w = Running::start("watch_site", "watch", &[]);
    assert!(w.output("tags/openness.html").exists());
    fs::remove_file(w.path("content/cases/003.md")).unwrap();
    w.wait_rebuilt();
    assert!(!w.output("cases/003.html").exists());
    assert!(
        !w.output("tags/openness.html").exists(),
        "its only term page goes"
    );
    let index = read(&w.output("index.html"));
    assert!(index.contains("004.html") && !index.contains("003.html"));
    assert!(!read(&w.output("regions/index.html")).contains("Statistics"));
    assert!(!read(&w.output("sitemap.xml")).contains("003.html"));

    fs::rename(
        w.path("content/cases/002.md"),
        w.path("content/cases/two.md"),
    )
    .unwrap();
    w.wait_rebuilt();
    assert!(!w.output("cases/002.html").exists());
    assert!(read(&w.output("cases/two.html")).contains("Marker-2"));
    let index = read(&w.output("index.html"));
    assert!(index.contains("two.html") && !index.contains("002.html"));
    let next = read(&w.output("cases/001.html"));
    assert!(
        next.contains("two.html"),
        "the neighbour links to the new name"
    );
    assert!(!read(&w.output("tags/speed.html")).contains("002.html"));
}

#[test]
fn a_burst_of_200_files_gives_one_rebuild() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let template = read(&w.path("content/cases/004.md"));
    let dir = w.path("content/cases");
    for id in 100..300 {
        let text = template
            .replace("id: 4", &format!("id: {id}"))
            .replace("Marker-4", &format!("Marker-{id}"));
        fs::write(dir.join(format!("{id}.md")), text).unwrap();
    }
    let line = w.wait_rebuilt();
    assert!(
        read(&w.output("cases/299.html")).contains("Marker-299"),
        "{line}"
    );
    assert!(
        read(&w.output("cases/100.html")).contains("Marker-100"),
        "{line}"
    );
    w.settle(SETTLE);
    assert_eq!(w.count("rebuilt"), 1, "{:#?}", w.log);
}

#[test]
fn new_folders_are_watched() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let folder = w.path("content/cases/more");
    fs::create_dir(&folder).unwrap();
    let path = folder.join("150.md");
    let text = read(&w.path("content/cases/004.md"))
        .replace("id: 4", "id: 150")
        .replace("Marker-4", "Marker-150");
    fs::write(&path, text).unwrap();
    eventually("the new case is built", || {
        read(&w.output("cases/150.html")).contains("Marker-150: original")
    });
    w.settle(SETTLE);
    fs::write(
        &path,
        edit(&read(&path), "Marker-150: original", "Marker-150: later"),
    )
    .unwrap();
    eventually("the edit in the new folder is built", || {
        read(&w.output("cases/150.html")).contains("Marker-150: later")
    });
    w.wait_rebuilt();
}

#[test]
fn a_broken_save_keeps_the_last_good_site_and_the_next_save_recovers() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let path = w.path("content/cases/001.md");
    let good = read(&path);
    let page_before = fs::read(w.output("cases/001.html")).unwrap();
    fs::write(
        &path,
        good.replace("title: Faster permits", "titel: Faster permits"),
    )
    .unwrap();
    let failed = w.wait_for("the failure", |l| l.starts_with("build failed"));
    assert!(failed.contains("content/cases/001.md"), "{failed}");
    let diagnostics = w.log.join("\n");
    assert!(
        diagnostics.contains("001.md:") && diagnostics.contains("titel"),
        "diagnostics in the build format: {diagnostics}"
    );
    assert_eq!(fs::read(w.output("cases/001.html")).unwrap(), page_before);
    assert!(w.output("index.html").exists());

    fs::write(&path, good.replace("Marker-1: original", "Marker-1: fixed")).unwrap();
    w.wait_rebuilt();
    assert!(read(&w.output("cases/001.html")).contains("Marker-1: fixed"));
}

#[test]
fn config_changes_rebuild_everything() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let config = w.path("casebook.toml");
    fs::write(
        &config,
        edit(&read(&config), "Watch fixture", "Renamed site"),
    )
    .unwrap();
    let line = w.wait_rebuilt();
    assert!(line.contains("(full)"), "{line}");
    for page in ["index.html", "cases/004.html", "tags/speed.html"] {
        assert!(read(&w.output(page)).contains("Renamed site"), "{page}");
    }
}

#[test]
fn polling_sees_changes_too() {
    let mut w = Running::start("watch_site", "watch", &["--poll"]);
    let path = w.path("content/cases/004.md");
    fs::write(
        &path,
        edit(&read(&path), "Marker-4: original", "Marker-4: polled"),
    )
    .unwrap();
    w.wait_rebuilt();
    eventually("the page shows the edit", || {
        read(&w.output("cases/004.html")).contains("Marker-4: polled")
    });
}

#[cfg(unix)]
#[test]
fn ctrl_c_exits_cleanly() {
    let mut w = Running::start("watch_site", "watch", &[]);
    let status = w.interrupt();
    assert!(status.success(), "{status:?}");
    let leftovers: Vec<_> = fs::read_dir(w.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("casebook-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Stopped right after a save, before the pause that brings the outputs covering every case
/// up to date, the watcher brings them up to date on the way out: the folder it leaves is
/// the whole site (the exports may be deployed from it). In process, so that the stop comes
/// exactly after the save's rebuild.
#[test]
fn stopping_right_after_a_save_leaves_no_output_out_of_date() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::channel;

    let site = tempfile::tempdir().unwrap();
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/watch_site");
    live_support::copy_dir(&fixture, site.path());
    let options = casebook::watch::WatchOptions {
        root: site.path().to_path_buf(),
        build: Default::default(),
        poll: false,
    };
    let stop = AtomicBool::new(false);
    let (built, first_build) = channel();
    let case = site.path().join("content/cases/001.md");
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut caught_up = false;
            casebook::watch::run(&options, &stop, &mut |outcome| {
                if let casebook::watch::Outcome::Built { changed, rebuild } = outcome {
                    caught_up |= rebuild.catch_up;
                    if changed.is_empty() && !rebuild.catch_up {
                        let _ = built.send(());
                    } else if !changed.is_empty() {
                        // The save's rebuild: stop before the watcher has seen a pause.
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            })
            .unwrap();
            caught_up
        });
        first_build.recv_timeout(live_support::DEADLINE).unwrap();
        fs::write(
            &case,
            edit(
                &read(&case),
                "title: Faster permits",
                "title: Stopped permits",
            ),
        )
        .unwrap();
        // Never wait forever: a save the watcher missed ends the watch (and fails below).
        let deadline = std::time::Instant::now() + live_support::DEADLINE;
        while !watcher.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        stop.store(true, Ordering::Relaxed);
        assert!(watcher.join().unwrap(), "the deferred outputs caught up");
    });
    let output = |rel: &str| read(&site.path().join("public").join(rel));
    assert!(output("cases/001.html").contains("Stopped permits"));
    for deferred in ["data/cases.json", "metrics.html", "print.html"] {
        assert!(output(deferred).contains("Stopped permits"), "{deferred}");
    }
}
