//! A short-lived cache of response bodies for the busiest lists: the same page asked for
//! again within `PAGE_TTL` is served without the database. An entry is valid only for
//! the write generation it was read at, so this process's own writes show at once;
//! another instance's writes show within the TTL (as the lists' totals already do).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a served page may be served again.
pub const PAGE_TTL: Duration = Duration::from_secs(2);
/// Beyond this many pages the cache starts over: a bound on memory, not a policy.
const MAX_PAGES: usize = 2_000;

#[derive(Default)]
pub struct PageCache {
    entries: parking_lot::Mutex<HashMap<String, (actix_web::web::Bytes, Instant, u64)>>,
}

impl PageCache {
    /// The body kept for `key`, when it is younger than the TTL and of this generation.
    pub fn get(&self, key: &str, generation: u64) -> Option<actix_web::web::Bytes> {
        let entries = self.entries.lock();
        let (body, at, gen) = entries.get(key)?;
        (*gen == generation && at.elapsed() < PAGE_TTL).then(|| body.clone())
    }

    pub fn put(&self, key: String, generation: u64, body: actix_web::web::Bytes) {
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_PAGES {
            entries.clear();
        }
        entries.insert(key, (body, Instant::now(), generation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_kept_for_its_generation_only() {
        let cache = PageCache::default();
        cache.put("k".into(), 3, actix_web::web::Bytes::from_static(b"[]"));
        assert_eq!(cache.get("k", 3).as_deref(), Some(&b"[]"[..]));
        assert!(cache.get("k", 4).is_none(), "a write since: read again");
        assert!(cache.get("other", 3).is_none());
    }
}
