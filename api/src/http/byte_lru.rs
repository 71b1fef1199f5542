//! An LRU map bounded both by its number of entries and by the bytes its values hold, so that
//! neither many small entries nor a few large ones can grow it past its limit.

use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;

use lru::LruCache;

/// Values with their sizes; the least recently used go first when either bound is reached.
pub struct ByteLru<K: Hash + Eq, V> {
    entries: LruCache<K, (V, usize)>,
    max_entries: usize,
    max_bytes: usize,
    bytes: usize,
}

impl<K: Hash + Eq, V> ByteLru<K, V> {
    /// At most `max_entries` entries holding at most `max_bytes` in all.
    pub fn new(max_entries: NonZeroUsize, max_bytes: usize) -> Self {
        // Unbounded underneath (the count is checked here): a bounded `LruCache` allocates its
        // whole table up front, which for a large cache is memory held before it is used.
        Self { entries: LruCache::unbounded(), max_entries: max_entries.get(), max_bytes, bytes: 0 }
    }

    /// The value under `key`, now the most recently used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Stores `value` of `size` bytes under `key`, evicting as needed; a value larger than
    /// the whole budget is not stored.
    pub fn insert(&mut self, key: K, value: V, size: usize) {
        if size > self.max_bytes {
            return;
        }
        if let Some((_, old)) = self.entries.pop(&key) {
            self.bytes -= old;
        }
        while self.bytes + size > self.max_bytes || self.entries.len() >= self.max_entries {
            match self.entries.pop_lru() {
                Some((_, (_, evicted))) => self.bytes -= evicted,
                None => break,
            }
        }
        self.entries.put(key, (value, size));
        self.bytes += size;
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Entries held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nz(n: usize) -> NonZeroUsize {
        NonZeroUsize::new(n).expect("non-zero")
    }

    #[test]
    fn the_byte_bound_evicts_the_least_recently_used() {
        let mut lru = ByteLru::new(nz(100), 10);
        lru.insert("a", 1, 4);
        lru.insert("b", 2, 4);
        assert_eq!(lru.get(&"a"), Some(&1));
        lru.insert("c", 3, 4);
        assert_eq!(lru.get(&"b"), None, "b was the least recently used");
        assert_eq!(lru.bytes(), 8);
    }

    #[test]
    fn the_entry_bound_evicts_and_keeps_the_byte_count_right() {
        let mut lru = ByteLru::new(nz(2), 1_000);
        lru.insert(1, (), 10);
        lru.insert(2, (), 20);
        lru.insert(3, (), 30);
        assert_eq!(lru.bytes(), 50);
        assert_eq!(lru.get(&1), None);
        lru.insert(3, (), 5);
        assert_eq!(lru.bytes(), 25, "a replaced value gives its bytes back");
    }

    #[test]
    fn a_value_larger_than_the_budget_is_not_kept() {
        let mut lru = ByteLru::new(nz(10), 10);
        lru.insert("small", (), 5);
        lru.insert("huge", (), 11);
        assert_eq!(lru.get(&"huge"), None);
        assert_eq!(lru.get(&"small"), Some(&()), "nothing was evicted for it");
        lru.clear();
        assert_eq!(lru.get(&"small"), None);
        assert_eq!(lru.bytes(), 0);
    }
}
