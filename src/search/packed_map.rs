//! A map from packed CJK tokens (nonzero `u64`s) to values, open-addressed: the key and its
//! value share a slot, so a lookup reads one cache line where a `HashMap` reads its control
//! bytes first. The tokeniser looks a field's bigram up for every CJK character it reads,
//! and with a map from bigram to its place in a list it waited on memory more than it
//! computed (BENCHMARKS.md, "The tokeniser's bigrams in one table"). The merge's map from
//! every token of the collection to its list gained nothing from it (measured), so it stays
//! a `HashMap`.

/// Slots per key at least: probes stay short at this load.
const MAX_LOAD_DENOMINATOR: usize = 2;

pub struct PackedMap<V> {
    /// A power of two many; key 0 marks a free slot (no token packs to 0: its characters
    /// are not NUL).
    slots: Vec<(u64, V)>,
    /// The slots in use, in the order their keys were first inserted.
    used: Vec<u32>,
}

impl<V: Clone + Default> PackedMap<V> {
    /// An empty map with room for `capacity` keys before it grows.
    pub fn with_capacity(capacity: usize) -> Self {
        let slots = (capacity * MAX_LOAD_DENOMINATOR)
            .next_power_of_two()
            .max(16);
        PackedMap {
            slots: vec![(0, V::default()); slots],
            used: Vec::new(),
        }
    }

    /// The value of `key`, inserted by `make` if the key is new.
    #[inline]
    pub fn get_or_insert_with(&mut self, key: u64, make: impl FnOnce() -> V) -> &mut V {
        debug_assert_ne!(key, 0, "0 marks a free slot");
        let mut i = self.find(key);
        if self.slots[i].0 == 0 {
            if (self.used.len() + 1) * MAX_LOAD_DENOMINATOR > self.slots.len() {
                self.grow();
                i = self.find(key);
            }
            self.slots[i] = (key, make());
            self.used.push(i as u32);
        }
        &mut self.slots[i].1
    }

    /// Moves every entry to `out` in the order first inserted, leaving the map empty (its
    /// slots kept for the next use).
    pub fn drain_into(&mut self, out: &mut Vec<(u64, V)>) {
        out.reserve(self.used.len());
        for i in self.used.drain(..) {
            let slot = &mut self.slots[i as usize];
            out.push(slot.clone());
            slot.0 = 0;
        }
    }

    pub fn clear(&mut self) {
        for i in self.used.drain(..) {
            self.slots[i as usize].0 = 0;
        }
    }

    /// Where `key` is, or the free slot where it goes.
    #[inline]
    fn find(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        // Fibonacci hashing: the product's high bits, which every bit of the key moves.
        let bits = self.slots.len().trailing_zeros();
        let mut i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
        loop {
            let slot = self.slots[i].0;
            if slot == key || slot == 0 {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let bigger = vec![(0, V::default()); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mut used = std::mem::take(&mut self.used);
        for at in &mut used {
            let slot = &old[*at as usize];
            let i = self.find(slot.0);
            self.slots[i] = slot.clone();
            *at = i as u32;
        }
        self.used = used;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_first_inserted_order_through_growth() {
        let mut map: PackedMap<Vec<u32>> = PackedMap::with_capacity(1);
        // Enough keys to grow the map several times, each met three times, interleaved.
        let keys: Vec<u64> = (1..=3000u64).map(|k| k * 7919).collect();
        for round in 0..3u32 {
            for (i, &key) in keys.iter().enumerate() {
                map.get_or_insert_with(key, Vec::new)
                    .push(round * 10_000 + i as u32);
            }
        }
        let mut out = Vec::new();
        map.drain_into(&mut out);
        assert_eq!(out.iter().map(|(k, _)| *k).collect::<Vec<_>>(), keys);
        assert_eq!(out[2].1, [2, 10_002, 20_002]);
        // Drained, then cleared: the same keys start again from nothing.
        map.get_or_insert_with(keys[0], Vec::new).push(5);
        map.clear();
        map.get_or_insert_with(keys[1], Vec::new).push(9);
        map.drain_into(&mut out);
        assert_eq!(out.len(), keys.len() + 1);
        assert_eq!(out[keys.len()], (keys[1], vec![9]));
    }
}
