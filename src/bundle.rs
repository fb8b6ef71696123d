//! The offline bundle: the built site as one zip file, for a USB stick or a chat message.
//!
//! Every link of a casebook site is relative and every asset local, so the rendered files
//! work wherever they are unzipped; this module only packs them. The zip is deterministic
//! (entries sorted by path, one fixed timestamp, fixed permissions, fixed compression level),
//! so the same input gives the same bytes and a bundle can be checksummed or diffed. Entries
//! sit under one top folder named after the zip, so unzipping never spills files around.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::output::OutputFile;
use crate::slug::is_safe_output_path;

/// Name of the bundle when `--output` is not given.
pub const DEFAULT_BUNDLE: &str = "casebook-site.zip";

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("refusing to bundle `{0}`: the path would leave the site folder")]
    UnsafePath(String),
    #[error("two outputs were generated for `{0}`")]
    Duplicate(String),
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// The top folder inside the zip: the zip's file name without `.zip`.
pub fn folder_name(target: &Path) -> String {
    let stem = target
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if stem.is_empty() || !is_safe_output_path(&stem) {
        "casebook-site".to_string()
    } else {
        stem
    }
}

/// Writes `files` as a zip at `target`, atomically: a temporary sibling, then a rename.
pub fn write_bundle(files: &[OutputFile], target: &Path) -> Result<(), BundleError> {
    let sorted = sorted_files(files)?;
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Io { path, source }
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).map_err(io_err(parent))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_BUNDLE.to_string());
    let staging = parent.join(format!(".{name}.casebook-new-{}", std::process::id()));
    let result = File::create(&staging)
        .and_then(|file| {
            let mut out = BufWriter::new(file);
            write_zip(&sorted, &folder_name(target), &mut out)?;
            out.into_inner()
                .map_err(io::IntoInnerError::into_error)?
                .sync_all()
        })
        .and_then(|()| fs::rename(&staging, target))
        .map_err(io_err(target));
    if result.is_err() {
        let _ = fs::remove_file(&staging);
    }
    result
}

/// Files by path, checked the way [`crate::output::write_site`] checks them.
fn sorted_files(files: &[OutputFile]) -> Result<BTreeMap<&str, &[u8]>, BundleError> {
    let mut sorted = BTreeMap::new();
    for file in files {
        if !is_safe_output_path(&file.path) {
            return Err(BundleError::UnsafePath(file.path.clone()));
        }
        if sorted
            .insert(file.path.as_str(), file.bytes.as_slice())
            .is_some()
        {
            return Err(BundleError::Duplicate(file.path.clone()));
        }
    }
    Ok(sorted)
}

/// The zip itself: deflate at a fixed level, 1980-01-01 00:00 and mode 0644 on every entry.
fn write_zip<W: Write + Seek>(
    files: &BTreeMap<&str, &[u8]>,
    folder: &str,
    out: W,
) -> io::Result<()> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(out);
    for (path, bytes) in files {
        zip.start_file(format!("{folder}/{path}"), options)
            .map_err(io::Error::other)?;
        zip.write_all(bytes)?;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(files: &[OutputFile]) -> Vec<u8> {
        let mut out = io::Cursor::new(Vec::new());
        write_zip(&sorted_files(files).unwrap(), "site", &mut out).unwrap();
        out.into_inner()
    }

    #[test]
    fn same_files_in_any_order_give_the_same_bytes() {
        let a = OutputFile::new("index.html", "<p>a</p>");
        let b = OutputFile::new("cases/001.html", "<p>b</p>");
        let one = zip_of(&[a.clone(), b.clone()]);
        let two = zip_of(&[b, a]);
        assert_eq!(one, two);
        let mut archive = zip::ZipArchive::new(io::Cursor::new(one)).unwrap();
        let names: Vec<&str> = archive.file_names().collect();
        assert_eq!(names.len(), 2);
        let first = archive.by_index(0).unwrap();
        assert_eq!(
            first.name(),
            "site/cases/001.html",
            "entries sorted by path"
        );
        assert_eq!(first.last_modified(), Some(DateTime::default()));
        assert_eq!(first.unix_mode(), Some(0o100644));
    }

    #[test]
    fn refuses_unsafe_and_duplicate_paths() {
        let bad = [OutputFile::new("../x.html", "x")];
        assert!(matches!(
            sorted_files(&bad),
            Err(BundleError::UnsafePath(_))
        ));
        let dup = [OutputFile::new("a", "1"), OutputFile::new("a", "2")];
        assert!(matches!(sorted_files(&dup), Err(BundleError::Duplicate(_))));
    }

    #[test]
    fn folder_is_named_after_the_zip() {
        assert_eq!(folder_name(Path::new("out/report-2024.zip")), "report-2024");
        assert_eq!(folder_name(Path::new("/")), "casebook-site");
    }

    #[test]
    fn writes_atomically_and_leaves_no_staging_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site.zip");
        write_bundle(&[OutputFile::new("index.html", "hi")], &target).unwrap();
        write_bundle(&[OutputFile::new("index.html", "hi")], &target).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("site.zip")]);
        assert!(write_bundle(&[OutputFile::new("../x", "")], &target).is_err());
        assert!(target.exists(), "a failed bundle leaves the old one");
    }
}
