//! What the last refresh left in the output folder: each file's stamp and content hash.
//!
//! A rebuild compares every rendered file with the output folder's copy. Reading 500 MB of
//! old files back (10,000 cases) to compare them cost a tenth of a build; with the manifest,
//! a file whose stamp (size, modification time, inode) is what the last build left is
//! compared by hash instead, and never read. A file changed by anyone else has another stamp
//! and is compared byte for byte, as is every file when the manifest is missing or unreadable;
//! the manifest is a cache, never the truth. It lives beside the output folder, not in it, so
//! it is never published.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The first line of a manifest: the format, so that a future one is not misread.
const HEADER: &str = "casebook-manifest 1";

/// What identifies one version of a file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified_ns: i128,
    inode: u64,
}

impl Stamp {
    pub fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let (modified_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (modified_ns, inode) = (
            meta.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128),
            0,
        );
        Stamp {
            len: meta.len(),
            modified_ns,
            inode,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }
}

/// A file as the last refresh left it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub stamp: Stamp,
    pub hash: u64,
}

/// Entries by output path.
#[derive(Debug, Default)]
pub struct Manifest(HashMap<String, Entry>);

impl Manifest {
    /// Where the manifest of the output folder `output` is kept: beside it.
    pub fn path_for(output: &Path) -> PathBuf {
        let name = output.file_name().unwrap_or_default().to_string_lossy();
        output.with_file_name(format!(".{name}.casebook-manifest"))
    }

    /// The manifest at `path`; empty when it is missing or not one of ours.
    pub fn load(path: &Path) -> Manifest {
        let Ok(text) = fs::read_to_string(path) else {
            return Manifest::default();
        };
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Manifest::default();
        }
        Manifest(lines.filter_map(parse_line).collect())
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.0.get(path)
    }

    /// Writes `entries` as the manifest at `path` (sorted, through a temporary file).
    pub fn save(path: &Path, mut entries: Vec<(String, Entry)>) -> io::Result<()> {
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut text = String::with_capacity(64 * entries.len() + HEADER.len() + 1);
        text.push_str(HEADER);
        text.push('\n');
        for (file, e) in &entries {
            let s = e.stamp;
            text.push_str(&format!(
                "{:016x} {} {} {} {file}\n",
                e.hash, s.len, s.modified_ns, s.inode
            ));
        }
        let temp = path.with_extension("casebook-tmp");
        fs::File::create(&temp)?.write_all(text.as_bytes())?;
        fs::rename(&temp, path)
    }
}

/// `hash len modified inode path`; `None` for a line that is not that.
fn parse_line(line: &str) -> Option<(String, Entry)> {
    let mut parts = line.splitn(5, ' ');
    let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
    let len = parts.next()?.parse().ok()?;
    let modified_ns = parts.next()?.parse().ok()?;
    let inode = parts.next()?.parse().ok()?;
    let path = parts.next()?.to_string();
    let stamp = Stamp {
        len,
        modified_ns,
        inode,
    };
    Some((path, Entry { stamp, hash }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_manifest_reads_back_and_a_foreign_one_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a b.html");
        fs::write(&file, "x").unwrap();
        let stamp = Stamp::of(&fs::metadata(&file).unwrap());
        let entry = Entry { stamp, hash: 7 };
        let path = Manifest::path_for(&dir.path().join("public"));
        assert!(path.ends_with(".public.casebook-manifest"));
        Manifest::save(&path, vec![("tags/a b.html".into(), entry)]).unwrap();
        assert_eq!(Manifest::load(&path).get("tags/a b.html"), Some(&entry));
        fs::write(&path, "something else\n0 1 2 3 x\n").unwrap();
        assert!(Manifest::load(&path).get("x").is_none());
        assert!(Manifest::load(&dir.path().join("missing")).0.is_empty());
    }
}
