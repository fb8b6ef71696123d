//! Hashes that are stable within one process: all watch mode's memory between builds needs.

use std::hash::{Hash, Hasher};

/// A hash of file contents: xxh3 reads tens of MB in milliseconds, where SipHash (what
/// [`hash_of`] uses) takes ten times as long, and watch mode hashes every file it renders
/// (50 MB of metrics page and exports at 10,000 cases) to find the ones that changed.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

pub fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Hashes a value's JSON form, for values (like template contexts) that are not `Hash`.
pub fn hash_json<T: serde::Serialize + ?Sized>(value: &T) -> u64 {
    struct HashWriter(std::hash::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut writer = HashWriter(std::hash::DefaultHasher::new());
    // Serialising plain data structs into a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut writer, value);
    writer.0.finish()
}
