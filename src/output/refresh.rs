//! Rebuilding into an existing output folder: only the files that changed are written.
//!
//! A rebuild mostly reproduces files that are already there, byte for byte. Writing them
//! all again costs more than rendering them: every new file is a new inode, the old tree
//! must be unlinked afterwards (10 s at 100,000 cases), and ext4 without a journal scans past
//! every recently freed inode for each new one. [`Refresh`] compares each rendered file with
//! the output folder's copy and stages only those that differ, in a folder beside it;
//! [`Refresh::commit`] renames them into place and deletes what the build no longer makes.
//! A failed build drops the staged files and leaves the output folder untouched, as
//! [`Staging`] does. Unchanged files keep their modification times, so a deploy by rsync, or
//! a web cache, sees only what changed.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rayon::prelude::*;

use super::manifest::{Entry, Manifest, Stamp};
use super::{io_error, OutputError, OutputFile, Sink, Staging};
use crate::hash::hash_bytes;

/// Entries of a folder: relative path, and whether it is a folder.
type Listing = Vec<(PathBuf, bool)>;

/// An output folder being brought up to date: see the module docs.
pub struct Refresh {
    output: PathBuf,
    staging: Staging,
    /// Paths of the files that differ from the output folder's, staged for the commit.
    changed: Mutex<Vec<String>>,
    /// Paths of every file put, to find what the output holds that the build no longer makes.
    produced: Mutex<Vec<String>>,
    /// Folders of the output (relative paths) and whether each is a real folder all the way
    /// down: a file is only compared, or replaced, under real folders, never through a link.
    folders: Mutex<HashMap<PathBuf, bool>>,
    /// The output folder's entries (relative path, is a folder), listed while the site renders.
    listing: Option<JoinHandle<io::Result<Listing>>>,
    /// What the last refresh left, and what this one is leaving: each file's hash, and its
    /// stamp when it is left as it was (a staged file is stamped once moved in).
    manifest: Manifest,
    hashes: Mutex<Vec<(String, u64, Option<Stamp>)>>,
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshStats {
    /// Files written because they were new or differed, in path order.
    pub written: Vec<String>,
    /// Files and folders deleted because the build no longer makes them (a folder stands
    /// for everything in it), in path order.
    pub removed: Vec<String>,
}

impl Refresh {
    /// Starts refreshing `output`, which must be a folder (not a link to one).
    pub fn new(output: &Path) -> Result<Refresh, OutputError> {
        let listing = {
            let output = output.to_path_buf();
            std::thread::spawn(move || list_tree(&output))
        };
        Ok(Refresh {
            output: output.to_path_buf(),
            staging: Staging::new(output)?,
            changed: Mutex::default(),
            produced: Mutex::default(),
            folders: Mutex::default(),
            listing: Some(listing),
            manifest: Manifest::load(&Manifest::path_for(output)),
            hashes: Mutex::default(),
        })
    }

    /// Whether `output` can be refreshed: an existing folder, not a link.
    pub fn applies_to(output: &Path) -> bool {
        fs::symlink_metadata(output).is_ok_and(|m| m.is_dir())
    }

    /// Moves the changed files into the output folder and deletes the files and folders the
    /// build did not make. Readers of the folder see each file replaced whole (a rename).
    pub fn commit(mut self) -> Result<RefreshStats, OutputError> {
        let mut changed = std::mem::take(&mut *lock(&self.changed));
        changed.sort_unstable();
        changed
            .par_iter()
            .try_for_each(|path| self.move_into_place(path))?;
        let listing = match self.listing.take().map(JoinHandle::join) {
            Some(Ok(listing)) => listing.map_err(io_error(&self.output))?,
            _ => Vec::new(),
        };
        let produced = std::mem::take(&mut *lock(&self.produced));
        let removed = remove_strays(&self.output, listing, &produced)?;
        self.save_manifest();
        Ok(RefreshStats {
            written: changed,
            removed,
        })
    }

    /// Writes what this refresh left for the next. Best effort: without a manifest the next
    /// refresh compares bytes instead.
    fn save_manifest(&self) {
        let hashes = std::mem::take(&mut *lock(&self.hashes));
        let entries = hashes
            .into_par_iter()
            .filter_map(|(path, hash, stamp)| {
                let stamp = stamp.or_else(|| {
                    let meta = fs::symlink_metadata(self.output.join(&path)).ok()?;
                    Some(Stamp::of(&meta))
                })?;
                Some((path, Entry { stamp, hash }))
            })
            .collect();
        let _ = Manifest::save(&Manifest::path_for(&self.output), entries);
    }

    /// Whether the output's copy of `path`, `old` (as [`Refresh::existing`] found it), holds
    /// `bytes`, whose hash is `hash`: by the manifest when the copy is what the last refresh
    /// left there, else byte for byte.
    fn unchanged(
        &self,
        path: &str,
        old: &Option<(PathBuf, Stamp)>,
        bytes: &[u8],
        hash: u64,
    ) -> bool {
        let Some((old, stamp)) = old else {
            return false;
        };
        match self.manifest.get(path) {
            Some(entry) if entry.stamp == *stamp => entry.hash == hash,
            _ => stamp.len() == bytes.len() as u64 && same_bytes(old, bytes),
        }
    }

    /// Renames a staged file over the output's copy, first clearing anything in its way (a
    /// folder where the file goes, a file or link where one of its folders goes).
    fn move_into_place(&self, path: &str) -> Result<(), OutputError> {
        let target = self.output.join(path);
        let mut folder = self.output.clone();
        let parts: Vec<&str> = path.split('/').collect();
        for part in &parts[..parts.len() - 1] {
            folder.push(part);
            match fs::symlink_metadata(&folder) {
                Ok(m) if m.is_dir() => continue,
                Ok(_) => fs::remove_file(&folder).map_err(io_error(&folder))?,
                Err(_) => {}
            }
            match fs::create_dir(&folder) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => {
                    return Err(io_error(&folder)(e))
                }
                _ => {}
            }
        }
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            fs::remove_dir_all(&target).map_err(io_error(&target))?;
        }
        let staged = self.staging.dir.join(path);
        match fs::rename(&staged, &target) {
            // An output folder that is a mount point: the staging folder is on another disk.
            Err(e) if e.kind() == io::ErrorKind::CrossesDevices => fs::copy(&staged, &target)
                .map(drop)
                .map_err(io_error(&target)),
            other => other.map_err(io_error(&target)),
        }
    }

    /// The output folder's copy of `path`, when it is a regular file under real folders.
    fn existing(&self, path: &str) -> Option<(PathBuf, Stamp)> {
        let relative = Path::new(path);
        if !self.real_folder(relative.parent()?) {
            return None;
        }
        let full = self.output.join(relative);
        let meta = fs::symlink_metadata(&full).ok()?;
        meta.is_file().then(|| (full, Stamp::of(&meta)))
    }

    /// Whether the output's `folder` (relative) and each folder above it is a real folder.
    fn real_folder(&self, folder: &Path) -> bool {
        if folder.as_os_str().is_empty() {
            return true;
        }
        if let Some(&known) = lock(&self.folders).get(folder) {
            return known;
        }
        let real = folder.parent().is_some_and(|up| self.real_folder(up))
            && fs::symlink_metadata(self.output.join(folder)).is_ok_and(|m| m.is_dir());
        lock(&self.folders).insert(folder.to_path_buf(), real);
        real
    }

    /// Notes a file put: its hash, and the stamp of the copy left in place if unchanged.
    fn record(&self, path: &str, hash: u64, kept: Option<Stamp>) {
        lock(&self.produced).push(path.to_string());
        lock(&self.hashes).push((path.to_string(), hash, kept));
        if kept.is_none() {
            lock(&self.changed).push(path.to_string());
        }
    }
}

impl Refresh {
    /// [`Sink::put`] of a file the caller keeps.
    pub fn put_bytes(&self, path: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let hash = hash_bytes(bytes);
        let old = self.existing(path);
        let kept = match self.unchanged(path, &old, bytes, hash) {
            true => old.map(|(_, stamp)| stamp),
            false => None,
        };
        if kept.is_none() {
            self.staging.write(path, bytes)?;
        }
        self.record(path, hash, kept);
        Ok(())
    }
}

impl Sink for Refresh {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        self.put_bytes(&file.path, &file.bytes)
    }

    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let old = self.existing(path);
        let mut compare = Compare::new(self, path, old.as_ref().map(|(old, _)| old.clone()));
        let mut buffered = io::BufWriter::with_capacity(1 << 20, &mut compare);
        write(&mut buffered)
            .and_then(|()| buffered.flush())
            .map_err(io_error(Path::new(path)))?;
        drop(buffered);
        let hash = compare.hasher.digest();
        let changed = compare.finish()?;
        let kept = if changed {
            None
        } else {
            old.map(|(_, stamp)| stamp)
        };
        self.record(path, hash, kept);
        Ok(())
    }
}

/// Whether the file at `path` holds exactly `bytes` (its length already checked).
fn same_bytes(path: &Path, bytes: &[u8]) -> bool {
    let Ok(mut file) = fs::File::open(path) else {
        return false;
    };
    let mut old = Vec::with_capacity(bytes.len() + 1);
    // One byte more than expected is read if the file grew: then it differs.
    match (&mut file)
        .take(bytes.len() as u64 + 1)
        .read_to_end(&mut old)
    {
        Ok(_) => old == bytes,
        Err(_) => false,
    }
}

/// A writer that checks a streamed file against the output's copy as it comes and only
/// starts a staged file at the first difference (copying the part that matched).
struct Compare<'a> {
    refresh: &'a Refresh,
    path: &'a str,
    /// The output's copy, read along as long as everything so far matched.
    old: Option<(PathBuf, fs::File)>,
    matched: u64,
    scratch: Vec<u8>,
    staged: Option<io::BufWriter<fs::File>>,
    /// The stream's hash, for the manifest.
    hasher: xxhash_rust::xxh3::Xxh3,
}

impl<'a> Compare<'a> {
    fn new(refresh: &'a Refresh, path: &'a str, old: Option<PathBuf>) -> Self {
        let old = old.and_then(|p| fs::File::open(&p).ok().map(|f| (p, f)));
        Compare {
            refresh,
            path,
            old,
            matched: 0,
            scratch: Vec::new(),
            staged: None,
            hasher: xxhash_rust::xxh3::Xxh3::new(),
        }
    }

    /// Whether `bytes`, next in the stream, are next in the old file too.
    fn matches(&mut self, bytes: &[u8]) -> bool {
        let Some((_, old)) = self.old.as_mut() else {
            return false;
        };
        self.scratch.resize(bytes.len(), 0);
        old.read_exact(&mut self.scratch).is_ok() && self.scratch == bytes
    }

    /// Starts the staged file with the part of the old one that matched.
    fn diverge(&mut self) -> io::Result<&mut io::BufWriter<fs::File>> {
        let target = self
            .refresh
            .staging
            .folder_for(self.path)
            .map_err(io::Error::other)?;
        let mut staged = io::BufWriter::with_capacity(1 << 20, fs::File::create(target)?);
        if let Some((old_path, _)) = self.old.take() {
            io::copy(
                &mut fs::File::open(old_path)?.take(self.matched),
                &mut staged,
            )?;
        }
        Ok(self.staged.insert(staged))
    }

    /// Ends the stream: whether the file changed (and was staged).
    fn finish(mut self) -> Result<bool, OutputError> {
        let target = self.refresh.staging.dir.join(self.path);
        if self.staged.is_none() {
            let at_end = self
                .old
                .as_mut()
                .is_some_and(|(_, old)| old.read(&mut [0]).is_ok_and(|n| n == 0));
            if at_end {
                return Ok(false);
            }
            self.diverge().map_err(io_error(&target))?;
        }
        let staged = self.staged.take().map(io::BufWriter::into_inner);
        match staged {
            Some(Err(e)) => Err(io_error(&target)(e.into_error())),
            _ => Ok(true),
        }
    }
}

impl io::Write for Compare<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.hasher.update(bytes);
        if self.staged.is_none() {
            if self.matches(bytes) {
                self.matched += bytes.len() as u64;
                return Ok(bytes.len());
            }
            self.diverge()?;
        }
        let staged = self
            .staged
            .as_mut()
            .expect("diverge() sets the staged file");
        staged.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.staged.as_mut().map_or(Ok(()), io::Write::flush)
    }
}

/// Every entry under `dir` (relative path, is a folder), links not followed.
fn list_tree(dir: &Path) -> io::Result<Listing> {
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).follow_links(false) {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry.path().strip_prefix(dir).map_err(io::Error::other)?;
        entries.push((relative.to_path_buf(), entry.file_type().is_dir()));
    }
    Ok(entries)
}

/// Deletes the entries of `listing` that are neither a produced file nor a folder holding
/// one; returns how many went (a folder with everything in it counts once).
fn remove_strays(
    output: &Path,
    mut listing: Listing,
    produced: &[String],
) -> Result<Vec<String>, OutputError> {
    let files: HashSet<&Path> = produced.iter().map(Path::new).collect();
    let folders: HashSet<&Path> = files.iter().flat_map(|p| p.ancestors().skip(1)).collect();
    listing
        .retain(|(path, _)| !files.contains(path.as_path()) && !folders.contains(path.as_path()));
    // Parents sort before their children: once a folder is gone, what was in it is skipped.
    listing.sort();
    let mut removed: Vec<&Path> = Vec::new();
    for (path, _) in &listing {
        if removed.last().is_some_and(|gone| path.starts_with(gone)) {
            continue;
        }
        let full = output.join(path);
        let result = match fs::symlink_metadata(&full) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(&full),
            Ok(_) => fs::remove_file(&full),
            Err(_) => continue,
        };
        match result {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(&full)(e)),
            _ => removed.push(path),
        }
    }
    Ok(removed
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn site(files: &[(&str, &str)], output: &Path) -> RefreshStats {
        let refresh = Refresh::new(output).unwrap();
        for (path, text) in files {
            refresh.put(OutputFile::new(*path, *text)).unwrap();
        }
        refresh.commit().unwrap()
    }

    fn streamed(refresh: &Refresh, path: &str, pieces: &[&str]) {
        refresh
            .put_streamed(path, &mut |w| {
                pieces.iter().try_for_each(|p| w.write_all(p.as_bytes()))
            })
            .unwrap();
    }

    /// What is beside the output folder, but the manifest.
    fn leftovers(dir: &Path) -> Vec<String> {
        let names = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name());
        let names = names.map(|n| n.to_string_lossy().into_owned());
        names
            .filter(|n| !n.ends_with(".casebook-manifest"))
            .collect()
    }

    #[test]
    fn the_manifest_spares_reading_files_and_never_hides_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        site(&[("a.html", "one"), ("b.html", "two")], &out);
        assert!(Manifest::path_for(&out).is_file());
        let stats = site(&[("a.html", "one"), ("b.html", "two")], &out);
        assert_eq!(stats.written.len(), 0);
        // Changed behind casebook's back, same size: another stamp, so compared by bytes.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("a.html"), "ONE").unwrap();
        let stats = site(&[("a.html", "one"), ("b.html", "two")], &out);
        assert_eq!(stats.written.len(), 1);
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "one");
        // A manifest that lies about a hash only costs a rewrite.
        fs::write(Manifest::path_for(&out), "not a manifest").unwrap();
        assert_eq!(
            site(&[("a.html", "one"), ("b.html", "two")], &out)
                .written
                .len(),
            0
        );
    }

    fn inode(path: &Path) -> u64 {
        fs::metadata(path).unwrap().ino()
    }

    #[test]
    fn unchanged_files_are_left_alone_and_changed_ones_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        let first = site(&[("a.html", "one"), ("b/c.html", "two")], &out);
        assert_eq!(
            first,
            RefreshStats {
                written: vec!["a.html".into(), "b/c.html".into()],
                removed: Vec::new()
            }
        );
        let (a, c) = (inode(&out.join("a.html")), inode(&out.join("b/c.html")));
        let again = site(&[("a.html", "one"), ("b/c.html", "two!")], &out);
        assert_eq!(
            again,
            RefreshStats {
                written: vec!["b/c.html".into()],
                removed: Vec::new()
            }
        );
        assert_eq!(
            inode(&out.join("a.html")),
            a,
            "an unchanged file is not rewritten"
        );
        assert_ne!(inode(&out.join("b/c.html")), c);
        assert_eq!(fs::read_to_string(out.join("b/c.html")).unwrap(), "two!");
        assert_eq!(
            leftovers(dir.path()),
            ["public"],
            "no staging folder left behind"
        );
    }

    #[test]
    fn files_the_build_no_longer_makes_are_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(out.join("old/deep")).unwrap();
        fs::write(out.join("old/deep/x.html"), "x").unwrap();
        fs::write(out.join("stray.txt"), "x").unwrap();
        fs::create_dir(out.join("keep")).unwrap();
        fs::write(out.join("keep/gone.html"), "x").unwrap();
        let stats = site(&[("keep/a.html", "a")], &out);
        assert_eq!(stats.written.len(), 1);
        let mut left: Vec<String> = walkdir::WalkDir::new(&out)
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(&out)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        left.sort();
        assert_eq!(left, ["keep", "keep/a.html"]);
    }

    #[test]
    fn a_folder_and_a_file_can_trade_places() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir_all(out.join("x.html")).unwrap();
        fs::write(out.join("x.html/inner"), "x").unwrap();
        fs::write(out.join("tags"), "a file where a folder goes").unwrap();
        site(&[("x.html", "page"), ("tags/a.html", "tag")], &out);
        assert_eq!(fs::read_to_string(out.join("x.html")).unwrap(), "page");
        assert_eq!(fs::read_to_string(out.join("tags/a.html")).unwrap(), "tag");
    }

    #[test]
    fn links_in_the_output_are_replaced_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("a.html"), "secret").unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("cases")).unwrap();
        std::os::unix::fs::symlink(outside.join("a.html"), out.join("b.html")).unwrap();
        let stats = site(&[("cases/a.html", "secret"), ("b.html", "secret")], &out);
        assert_eq!(
            stats.written.len(),
            2,
            "a file behind a link is never taken as unchanged"
        );
        assert!(fs::symlink_metadata(out.join("cases")).unwrap().is_dir());
        assert!(fs::symlink_metadata(out.join("b.html")).unwrap().is_file());
        assert_eq!(
            fs::read_to_string(outside.join("a.html")).unwrap(),
            "secret"
        );
        assert_eq!(
            fs::read_dir(&outside).unwrap().count(),
            1,
            "nothing written outside"
        );
    }

    #[test]
    fn streamed_files_are_compared_as_they_come() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        let write = |pieces: &[&str]| {
            let refresh = Refresh::new(&out).unwrap();
            streamed(&refresh, "big.html", pieces);
            let stats = refresh.commit().unwrap();
            (
                stats.written.len(),
                fs::read_to_string(out.join("big.html")).unwrap(),
            )
        };
        assert_eq!(write(&["abc", "def"]), (1, "abcdef".into()));
        assert_eq!(
            write(&["ab", "cdef"]),
            (0, "abcdef".into()),
            "same bytes, other pieces"
        );
        assert_eq!(
            write(&["abc", "dXf"]),
            (1, "abcdXf".into()),
            "differs half-way"
        );
        assert_eq!(write(&["abc", "dXf", "g"]), (1, "abcdXfg".into()), "longer");
        assert_eq!(write(&["abc"]), (1, "abc".into()), "shorter");
        assert_eq!(write(&[]), (1, "".into()), "empty");
        assert_eq!(write(&[]), (0, "".into()));
    }

    #[test]
    fn a_build_that_fails_leaves_the_output_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        fs::create_dir(&out).unwrap();
        site(&[("a.html", "old"), ("b.html", "old")], &out);
        let refresh = Refresh::new(&out).unwrap();
        refresh.put(OutputFile::new("a.html", "new")).unwrap();
        streamed(&refresh, "b.html", &["new"]);
        drop(refresh);
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "old");
        assert_eq!(fs::read_to_string(out.join("b.html")).unwrap(), "old");
        assert_eq!(
            leftovers(dir.path()),
            ["public"],
            "the staged files are gone"
        );
    }
}
