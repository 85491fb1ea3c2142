//! Query results kept for a while per statement (text + parameters), so the console's summary,
//! its list pages and a filter changed in between cost one Athena query, not one each. Bounded by
//! entries and by total rows; the oldest entry goes first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Entries kept at most.
pub const MAX_ENTRIES: usize = 32;
/// Rows kept at most over every entry: a parsed case row takes about 1 KiB, and the function has
/// 512 MB.
pub const MAX_ROWS: usize = 200_000;

pub struct Cache<T> {
    ttl: Duration,
    max_entries: usize,
    max_rows: usize,
    entries: Mutex<HashMap<String, Entry<T>>>,
}

struct Entry<T> {
    value: Arc<T>,
    at: Instant,
    rows: usize,
}

impl<T> Cache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self::bounded(ttl, MAX_ENTRIES, MAX_ROWS)
    }

    pub fn bounded(ttl: Duration, max_entries: usize, max_rows: usize) -> Self {
        Cache { ttl, max_entries, max_rows, entries: Mutex::default() }
    }

    /// The value stored under `key` less than the TTL ago.
    pub fn get(&self, key: &str) -> Option<Arc<T>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        entries.retain(|_, e| now.duration_since(e.at) < self.ttl);
        entries.get(key).map(|e| e.value.clone())
    }

    /// Stores `value` (of `rows` rows), dropping the oldest entries until the bounds hold. A value
    /// larger than the whole budget is not kept.
    pub fn insert(&self, key: String, value: Arc<T>, rows: usize) {
        if self.ttl.is_zero() || rows > self.max_rows || self.max_entries == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.remove(&key);
        while entries.len() >= self.max_entries
            || entries.values().map(|e| e.rows).sum::<usize>() + rows > self.max_rows
        {
            let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| k.clone()) else { break };
            entries.remove(&oldest);
        }
        entries.insert(key, Entry { value, at: Instant::now(), rows });
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn entries_live_for_the_ttl() {
        let cache = Cache::new(Duration::from_secs(60));
        cache.insert("k".into(), Arc::new(1), 1);
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(cache.get("k").as_deref(), Some(&1));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(cache.get("k"), None);
        assert!(cache.is_empty());
        let off = Cache::new(Duration::ZERO);
        off.insert("k".into(), Arc::new(1), 1);
        assert_eq!(off.get("k"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_oldest_go_first_when_full() {
        let cache = Cache::bounded(Duration::from_secs(60), 2, 10);
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            cache.insert(key.into(), Arc::new(i), 1);
            tokio::time::advance(Duration::from_secs(1)).await;
        }
        assert_eq!((cache.get("a"), cache.get("b").as_deref(), cache.get("c").as_deref()), (None, Some(&1), Some(&2)));
        // Rows count too: 8 more rows leave room for c (1) only.
        cache.insert("d".into(), Arc::new(3), 8);
        assert_eq!((cache.get("b"), cache.get("c").as_deref(), cache.get("d").as_deref()), (None, Some(&2), Some(&3)));
        cache.insert("huge".into(), Arc::new(4), 11);
        assert_eq!((cache.get("huge"), cache.len()), (None, 2));
    }
}
