//! The command line: exit codes, output streams, and the commands that scaffold a site.

mod common;

use std::process::{Command, Output};

use common::*;

fn casebook(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .args(args)
        .output()
        .expect("casebook runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A collection past `print_max_cases` builds without `print.html`, and the build says why
/// (not with `--quiet`, and not when `0` turned the page off).
#[test]
fn build_notes_a_print_page_left_out() {
    for (max, quiet, noted) in [("1", false, true), ("1", true, false), ("0", false, false)] {
        let site = copy_fixture_with_config("basic", &format!("print_max_cases = {max}"));
        let mut args = vec!["build", "--root", site.path().to_str().unwrap()];
        if quiet {
            args.push("--quiet");
        }
        let o = casebook(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        let note = "note: no print.html: 3 cases is more than print_max_cases (1); raise it";
        assert_eq!(
            stderr(&o).contains(note),
            noted,
            "{max} {quiet}: {}",
            stderr(&o)
        );
        assert!(!site.path().join("public/print.html").exists());
    }
}

#[test]
fn build_succeeds_with_a_summary_line() {
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("site");
    let o = casebook(&[
        "build",
        "--root",
        fixture("basic").to_str().unwrap(),
        "--output",
        dest.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("built 3 cases, 21 pages"),
        "{}",
        stderr(&o)
    );
    assert!(dest.join("index.html").exists());
}

#[test]
fn invalid_site_exits_non_zero_with_located_errors() {
    let o = casebook(&[
        "build",
        "--root",
        fixture("invalid_config").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("casebook.toml:2:1: error: unknown field `languge`"),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with("build failed: 2 errors, 0 warnings"),
        "{err}"
    );
    assert!(!fixture("invalid_config").join("public").exists());
}

#[test]
fn check_writes_nothing() {
    let site = copy_fixture("basic");
    let o = casebook(&["check", "--root", site.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("checked 3 cases"));
    assert!(!site.path().join("public").exists());
    let o = casebook(&[
        "check",
        "--root",
        fixture("invalid_content").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn quiet_prints_nothing_on_success() {
    let site = copy_fixture("basic");
    let o = casebook(&["build", "--quiet", "--root", site.path().to_str().unwrap()]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
}

#[test]
fn schema_is_json_with_every_field() {
    let o = casebook(&["schema"]);
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let props = schema["properties"].as_object().expect("properties");
    for field in [
        "id",
        "title",
        "region",
        "department",
        "date",
        "tags",
        "summary",
        "draft",
        "metrics",
        "extra",
    ] {
        assert!(props.contains_key(field), "{field} missing from the schema");
    }
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown keys are refused"
    );
}

#[test]
fn init_new_and_build_a_fresh_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let s = site.to_str().unwrap();
    assert!(casebook(&["init", s]).status.success());
    let o = casebook(&[
        "new",
        "新的案例",
        "--region",
        "福州市",
        "--department",
        "福州市人民政府",
        "--root",
        s,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("content/cases/002.md"));
    let o = casebook(&["build", "--root", s]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read(site.join("public/cases/002.html")).contains("新的案例"));
    assert_eq!(
        casebook(&["init", s]).status.code(),
        Some(1),
        "init refuses an existing site"
    );
}

#[test]
fn help_version_and_usage_errors() {
    assert!(casebook(&["--version"]).status.success());
    let help = casebook(&["--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("build"));
    assert_eq!(casebook(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn verbose_prints_stage_timings() {
    let site = copy_fixture("basic");
    let o = casebook(&[
        "build",
        "--verbose",
        "--root",
        site.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for stage in [
        "ms  site model",
        "ms  render and write pages",
        "ms  move the new and changed files in",
    ] {
        assert!(err.contains(stage), "{stage} missing from:\n{err}");
    }
}
