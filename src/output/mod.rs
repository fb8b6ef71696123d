//! The only code that writes the built site to disk.
//!
//! A build hands each file to a [`Sink`] as soon as it is rendered. `build` uses a
//! [`Staging`] folder, a temporary sibling of the output folder, so no build holds its whole
//! output in memory; the staging folder is swapped in only when every file is written, and
//! deleted otherwise, so a failed build (or a crash half-way) leaves the previous `public/`
//! byte-for-byte untouched. A rebuild over an existing folder uses [`Refresh`] instead, which
//! stages only the files whose bytes changed. Watch mode and the bundle [`Collect`] files in
//! memory.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::slug::is_safe_output_path;

mod manifest;
mod refresh;
pub use refresh::{Refresh, RefreshStats};

/// One file of the built site: a `/`-separated path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("refusing to write `{0}`: the path would leave the output folder")]
    UnsafePath(String),
    #[error("two outputs were generated for `{0}`")]
    Duplicate(String),
    #[error("refusing to use `{0}` as the output folder: it holds the site's sources")]
    UnsafeOutputDir(PathBuf),
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses an output folder that is the site root, contains it, or lies inside a source folder.
pub fn check_output_dir(root: &Path, output: &Path) -> Result<(), OutputError> {
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let parent = output.parent().map(Path::to_path_buf).unwrap_or_default();
    let parent = fs::canonicalize(&parent).unwrap_or(parent);
    let output_abs = parent.join(output.file_name().unwrap_or_default());
    let sources = ["content", "themes", "templates", "static", ".git"];
    let inside_sources = sources.iter().any(|s| output_abs.starts_with(root.join(s)));
    if output.file_name().is_none() || root.starts_with(&output_abs) || inside_sources {
        return Err(OutputError::UnsafeOutputDir(output.to_path_buf()));
    }
    Ok(())
}

/// Writes every slice of `slices` to `w`, in order, with as few calls as the writer allows:
/// a file (or a `BufWriter` given more than its buffer holds) takes them in one `writev`, so
/// `print.html`'s cases go to it as rendered, not copied into a buffer first.
/// (`Write::write_all_vectored` is not stable.)
pub fn write_all_slices(w: &mut dyn io::Write, slices: &[&[u8]]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice> = slices
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| io::IoSlice::new(s))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match w.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Where rendered files go, one at a time and from any thread, as they are rendered.
pub trait Sink: Sync {
    /// Takes one file; its path has been checked with [`is_safe_output_path`].
    fn put(&self, file: OutputFile) -> Result<(), OutputError>;

    /// Takes one file piece by piece: `write` writes it to the writer it is given, for files
    /// too big to hold whole (`print.html` is a gigabyte at 100,000 cases). By default the
    /// pieces are collected and [`Sink::put`].
    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let mut bytes = Vec::new();
        write(&mut bytes).map_err(io_error(Path::new(path)))?;
        self.put(OutputFile::new(path, bytes))
    }
}

/// Keeps every file in memory: watch mode diffs them, the bundle zips them.
#[derive(Default)]
pub struct Collect<'a> {
    files: Mutex<Vec<OutputFile>>,
    /// How big a streamed file is likely to be (its size in the last build).
    size_hint: Option<&'a (dyn Fn(&str) -> usize + Sync)>,
}

impl<'a> Collect<'a> {
    /// Collects streamed files into buffers of the size `size_hint` gives for their path.
    pub fn with_size_hint(size_hint: &'a (dyn Fn(&str) -> usize + Sync)) -> Self {
        Collect {
            files: Mutex::default(),
            size_hint: Some(size_hint),
        }
    }

    /// The files, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        let mut files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

impl Sink for Collect<'_> {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(file);
        Ok(())
    }

    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let size = self.size_hint.map_or(0, |hint| hint(path));
        let mut bytes = Vec::with_capacity(size + size / 64);
        write(&mut bytes).map_err(io_error(Path::new(path)))?;
        self.put(OutputFile::new(path, bytes))
    }
}

/// Passes files on and counts them: the command line shows the count while a build runs.
pub struct Counting<'a> {
    pub inner: &'a dyn Sink,
    pub count: &'a std::sync::atomic::AtomicUsize,
}

impl Sink for Counting<'_> {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        self.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.put(file)
    }

    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        self.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.put_streamed(path, write)
    }
}

/// Drops every file: `casebook check` renders and writes nothing.
pub struct Discard;

impl Sink for Discard {
    fn put(&self, _: OutputFile) -> Result<(), OutputError> {
        Ok(())
    }

    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        write(&mut io::sink()).map_err(io_error(Path::new(path)))
    }
}

/// A new output folder being written beside the old one: [`Staging::commit`] swaps it in;
/// dropped without a commit (a failed build), it is deleted and the old folder stays.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    /// Folders known to exist, so each is created once.
    folders: Mutex<HashSet<PathBuf>>,
    committed: bool,
}

impl Staging {
    pub fn new(output: &Path) -> Result<Staging, OutputError> {
        let name = output
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".to_string());
        let parent = output.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(io_error(parent))?;
        let dir = parent.join(format!(".{name}.casebook-new-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io_error(&dir))?;
        }
        fs::create_dir(&dir).map_err(io_error(&dir))?;
        Ok(Staging {
            output: output.to_path_buf(),
            folders: Mutex::new(HashSet::from([dir.clone()])),
            dir,
            committed: false,
        })
    }

    /// Replaces the output folder with the staged one.
    pub fn commit(mut self) -> Result<(), OutputError> {
        swap_in(&self.dir, &self.output)?;
        self.committed = true;
        // A manifest of the folder replaced is of no use (a refresh would only ignore it).
        let _ = fs::remove_file(manifest::Manifest::path_for(&self.output));
        Ok(())
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> Result<(), OutputError> {
        self.write(&file.path, &file.bytes)
    }

    fn put_streamed(
        &self,
        path: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<(), OutputError> {
        let target = self.folder_for(path)?;
        let file = fs::File::create(&target).map_err(io_error(&target))?;
        let mut file = io::BufWriter::with_capacity(1 << 20, file);
        write(&mut file)
            .and_then(|()| io::Write::flush(&mut file))
            .map_err(io_error(&target))
    }
}

impl Staging {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let target = self.folder_for(path)?;
        fs::write(&target, bytes).map_err(io_error(&target))
    }

    /// Where `path` goes in the staging folder, its folder created.
    fn folder_for(&self, path: &str) -> Result<PathBuf, OutputError> {
        let target = self.dir.join(path);
        if let Some(folder) = target.parent() {
            let known = |f: &Path| self.folders.lock().map(|s| s.contains(f)).unwrap_or(false);
            if !known(folder) {
                fs::create_dir_all(folder).map_err(io_error(folder))?;
                if let Ok(mut folders) = self.folders.lock() {
                    folders.insert(folder.to_path_buf());
                }
            }
        }
        Ok(target)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Why a set of output paths cannot be written: the first unsafe or repeated path.
fn check_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<(), OutputError> {
    let mut seen = HashSet::new();
    for path in paths {
        if !is_safe_output_path(path) {
            return Err(OutputError::UnsafePath(path.to_string()));
        }
        if !seen.insert(path) {
            return Err(OutputError::Duplicate(path.to_string()));
        }
    }
    Ok(())
}

/// Writes `files` as the new content of `output`: into an existing folder only the files that
/// differ ([`Refresh`]: watch mode's first build over a built site writes next to nothing),
/// else into a new folder moved in whole. Says what it wrote and removed.
pub fn write_site(files: &[OutputFile], output: &Path) -> Result<RefreshStats, OutputError> {
    check_paths(files.iter().map(|f| f.path.as_str()))?;
    if Refresh::applies_to(output) {
        let refresh = Refresh::new(output)?;
        files
            .par_iter()
            .try_for_each(|file| refresh.put_bytes(&file.path, &file.bytes))?;
        return refresh.commit();
    }
    let staging = Staging::new(output)?;
    files
        .par_iter()
        .try_for_each(|file| staging.write(&file.path, &file.bytes))?;
    staging.commit()?;
    let mut written: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    written.sort_unstable();
    Ok(RefreshStats {
        written,
        removed: Vec::new(),
    })
}

/// Updates `output` in place: writes `files` and deletes `removed` (watch mode, where only a
/// few files change). Each file is written to a temporary sibling and renamed over the old
/// one, so a server reading the folder never sees half a file.
pub fn write_changed(
    files: &[&OutputFile],
    removed: &[String],
    output: &Path,
) -> Result<(), OutputError> {
    let paths = files.iter().map(|f| &f.path).chain(removed);
    if let Some(bad) = paths.into_iter().find(|p| !is_safe_output_path(p)) {
        return Err(OutputError::UnsafePath(bad.clone()));
    }
    files.par_iter().try_for_each(|file| {
        let target = output.join(&file.path);
        if let Some(folder) = target.parent() {
            fs::create_dir_all(folder).map_err(io_error(folder))?;
        }
        replace_whole(&target, &file.bytes)
    })?;
    for path in removed {
        let target = output.join(path);
        match fs::remove_file(&target) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_error(&target)(e)),
            _ => {}
        }
        // Folders left empty go too; `remove_dir` refuses non-empty ones.
        let mut folder = target.parent();
        while let Some(dir) = folder.filter(|d| *d != output) {
            if fs::remove_dir(dir).is_err() {
                break;
            }
            folder = dir.parent();
        }
    }
    Ok(())
}

/// Files at least this big are replaced through a spare kept beside them (see
/// [`replace_whole`]).
const SPARE_MIN: usize = 1 << 20;

/// Replaces `target` with `bytes` so that a reader sees the old file or the new one, never a
/// mix: the bytes go to a hidden sibling, which then takes the target's place.
///
/// A big file (the metrics page and the exports: 50 MB at 10,000 cases, rewritten on every
/// save in watch mode) is written over a spare sibling in place and the two are exchanged,
/// so the old version becomes the next save's spare: no blocks are allocated or freed, which
/// on ext4 made the save three times slower. Without an exchange (not Linux, or a file
/// system without it), the sibling is renamed over the target.
fn replace_whole(target: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = target.with_file_name(format!(".{name}.casebook-tmp"));
    let spare = cfg!(target_os = "linux") && bytes.len() >= SPARE_MIN && target.is_file();
    if spare && write_over(&temp, bytes).is_ok() && exchange(&temp, target).is_ok() {
        return Ok(());
    }
    // Whatever is there (a link, a spare of a file that shrank) goes.
    let _ = fs::remove_file(&temp);
    fs::write(&temp, bytes).map_err(io_error(&temp))?;
    fs::rename(&temp, target).map_err(io_error(target))
}

/// Writes `bytes` over the file at `path` in place (creating it), never through a link.
fn write_over(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc_nofollow());
    let mut file = options.open(path)?;
    io::Write::write_all(&mut file, bytes)?;
    file.set_len(bytes.len() as u64)
}

#[cfg(target_os = "linux")]
fn libc_nofollow() -> i32 {
    libc::O_NOFOLLOW
}

#[cfg(all(unix, not(target_os = "linux")))]
fn libc_nofollow() -> i32 {
    0
}

/// Swaps two files atomically (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated C strings that outlive the call; renameat2 reads
    // them and touches no other memory of ours.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    match done {
        0 => Ok(()),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

fn swap_in(staging: &Path, output: &Path) -> Result<(), OutputError> {
    if !output.exists() {
        return fs::rename(staging, output).map_err(io_error(output));
    }
    let retired = output.with_file_name(format!(
        ".{}.casebook-old-{}",
        output.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    fs::rename(output, &retired).map_err(io_error(output))?;
    if let Err(e) = fs::rename(staging, output) {
        let _ = fs::rename(&retired, output);
        return Err(io_error(output)(e));
    }
    remove_tree(&retired).map_err(io_error(&retired))
}

/// Deletes a folder and everything in it, its top-level entries in parallel: unlinking the
/// 27,000 files of a 10,000-case site one by one is a noticeable part of a rebuild.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries: Vec<fs::DirEntry> = fs::read_dir(dir)?.collect::<io::Result<_>>()?;
    entries.par_iter().try_for_each(|entry| {
        let path = entry.path();
        match entry.file_type()?.is_dir() {
            true => fs::remove_dir_all(&path),
            false => fs::remove_file(&path),
        }
    })?;
    fs::remove_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most 3 bytes a call, from the first slice only, as a full pipe or a
    /// signal-cut `writev` may: every byte must still arrive once, in order.
    struct Trickle(Vec<u8>);

    impl io::Write for Trickle {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let n = buf.len().min(3);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_all_slices_survives_short_writes() {
        let mut w = Trickle(Vec::new());
        let pieces: [&[u8]; 5] = [b"", b"<p>one</p>", b"\n", b"", b"<p>two</p>"];
        write_all_slices(&mut w, &pieces).unwrap();
        assert_eq!(w.0, b"<p>one</p>\n<p>two</p>");
    }

    #[test]
    fn writes_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(
            &[
                OutputFile::new("a/b.html", "1"),
                OutputFile::new("c.txt", "2"),
            ],
            &out,
        )
        .unwrap();
        assert_eq!(fs::read_to_string(out.join("a/b.html")).unwrap(), "1");
        write_site(&[OutputFile::new("c.txt", "3")], &out).unwrap();
        assert!(!out.join("a/b.html").exists(), "old files are gone");
        assert_eq!(fs::read_to_string(out.join("c.txt")).unwrap(), "3");
        // Beside the folder: its manifest (the second write refreshed it), nothing staged.
        let mut beside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        beside.sort();
        assert_eq!(beside, [".public.casebook-manifest", "public"]);
    }

    #[test]
    fn refuses_unsafe_paths_and_leaves_output_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&[OutputFile::new("keep.html", "old")], &out).unwrap();
        for bad in ["../x.html", "/etc/passwd", "a/../../x", "a\\..\\x", "c:/x"] {
            let err = write_site(&[OutputFile::new(bad, "x")], &out).unwrap_err();
            assert!(matches!(err, OutputError::UnsafePath(_)), "{bad}");
        }
        let dup = [
            OutputFile::new("a.html", "1"),
            OutputFile::new("a.html", "2"),
        ];
        assert!(matches!(
            write_site(&dup, &out),
            Err(OutputError::Duplicate(_))
        ));
        assert_eq!(fs::read_to_string(out.join("keep.html")).unwrap(), "old");
    }

    #[test]
    fn big_files_are_exchanged_with_a_spare_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let big = |fill: u8, len: usize| OutputFile::new("data/big.json", vec![fill; len]);
        write_site(&[big(b'a', SPARE_MIN + 10)], &out).unwrap();
        let target = out.join("data/big.json");
        let spare = out.join("data/.big.json.casebook-tmp");
        let outside = dir.path().join("outside.txt");
        fs::write(&outside, "keep").unwrap();
        std::os::unix::fs::symlink(&outside, &spare).unwrap();
        let rounds = [
            (b'b', SPARE_MIN + 5),
            (b'c', SPARE_MIN + 20),
            (b'd', SPARE_MIN),
        ];
        for (round, (fill, len)) in rounds.into_iter().enumerate() {
            write_changed(&[&big(fill, len)], &[], &out).unwrap();
            assert_eq!(fs::read(&target).unwrap(), vec![fill; len]);
            assert!(!spare.is_symlink(), "the link is gone, not written through");
            if round > 0 {
                assert!(spare.is_file(), "the last version is kept as the spare");
            }
        }
        assert_eq!(fs::read_to_string(&outside).unwrap(), "keep");
        write_changed(&[&big(b'e', 10)], &[], &out).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"eeeeeeeeee");
        assert!(!spare.exists(), "a small file leaves no spare");
    }

    #[test]
    fn output_dir_cannot_hold_sources() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert!(check_output_dir(root, &root.join("public")).is_ok());
        assert!(check_output_dir(root, root).is_err());
        assert!(check_output_dir(root, &root.join("content/x")).is_err());
        assert!(check_output_dir(&root.join("site"), root).is_err());
    }
}
