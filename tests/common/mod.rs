//! Helpers shared by the integration tests.

#![allow(dead_code)]

pub mod browser;

use std::path::{Path, PathBuf};

use casebook::{BuildOptions, Diagnostics};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture site into a temp dir, so tests can edit it and build next to it.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), dir.path());
    dir
}

/// A copy of fixture `name` with `lines` put at the top of its `casebook.toml` (top-level
/// keys, before any table).
pub fn copy_fixture_with_config(name: &str, lines: &str) -> tempfile::TempDir {
    let site = copy_fixture(name);
    let config = site.path().join("casebook.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{lines}\n{text}")).unwrap();
    site
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Builds the site at `root` into `out`.
pub fn build_into(root: &Path, out: &Path) -> Result<casebook::BuildReport, Diagnostics> {
    casebook::build(
        root,
        &BuildOptions {
            output: Some(out.to_path_buf()),
            ..Default::default()
        },
    )
}

pub fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The text between the first `start` in `text` and the next `end` after it.
pub fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let (_, rest) = text.split_once(start)?;
    rest.split(end).next()
}
