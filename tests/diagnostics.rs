//! Invalid sites: every bad input gets a located, actionable message, all of them in one run,
//! and the build never panics. The diagnostics text is the contract, so it is snapshotted.

mod common;

use std::path::Path;

use common::*;

fn diagnostics_of(root: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let err = build_into(root, &out.path().join("public")).expect_err("the build must fail");
    assert!(
        !out.path().join("public").exists(),
        "a failed build writes nothing"
    );
    format!("{err}{}\n", err.summary())
}

#[test]
fn invalid_content_reports_every_file() {
    insta::assert_snapshot!(diagnostics_of(&fixture("invalid_content")));
}

#[test]
fn invalid_config_reports_every_unknown_key() {
    insta::assert_snapshot!(diagnostics_of(&fixture("invalid_config")));
}

#[test]
fn invalid_template_names_the_template_line() {
    insta::assert_snapshot!(diagnostics_of(&fixture("invalid_template")));
}

#[test]
fn invalid_links_ids_slugs_and_reserved_names() {
    insta::assert_snapshot!(diagnostics_of(&fixture("invalid_links")));
}

#[test]
fn broken_link_to_a_site_file_is_found_after_rendering() {
    let site = copy_fixture("basic");
    let case = site.path().join("content/cases/001.md");
    std::fs::write(
        &case,
        read(&case) + "\nSee [the report](files/missing.pdf).\n",
    )
    .unwrap();
    let text = diagnostics_of(site.path());
    assert!(
        text.contains("content/cases/001.md:46:5: error: broken link to `files/missing.pdf`"),
        "{text}"
    );
}

#[test]
fn missing_config_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let text = diagnostics_of(dir.path());
    assert!(
        text.contains("casebook.toml: error: cannot read the site config"),
        "{text}"
    );
    assert!(text.contains("casebook init"), "{text}");
}

#[cfg(unix)]
#[test]
fn hostile_file_system_entries_are_reported() {
    use std::os::unix::ffi::OsStrExt;
    let site = copy_fixture("basic");
    let cases = site.path().join("content/cases");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\nid: 99\ntitle: S\nregion: R\ndepartment: D\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), cases.join("link.md")).unwrap();
    std::fs::write(cases.join(std::ffi::OsStr::from_bytes(b"bad-\xff.md")), "x").unwrap();
    let huge = format!(
        "---\nid: 98\ntitle: H\nregion: R\ndepartment: D\n---\n{}",
        "x".repeat(9 * 1024 * 1024)
    );
    std::fs::write(cases.join("huge.md"), huge).unwrap();
    let text = diagnostics_of(site.path());
    assert!(
        text.contains("content/cases/link.md: error: symlink points outside the site folder"),
        "{text}"
    );
    assert!(text.contains("file name is not valid UTF-8"), "{text}");
    assert!(
        text.contains("content/cases/huge.md: error: file is too large (9 MiB)"),
        "{text}"
    );
}
