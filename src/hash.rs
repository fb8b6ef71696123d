//! Hashes that are stable within one process: all watch mode's memory between builds needs.

use std::hash::{Hash, Hasher};

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
