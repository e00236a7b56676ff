//! A small cache of serialised answers (a team's list pages), each kept for one write
//! generation of the store.
//!
//! A page of 100 builds costs a read of 100 rows and 32 KB of JSON, and while builds run the
//! console and the SDKs ask for the same page again and again between two writes. An entry
//! holds the answer's bytes for the generation it was read in ([`Store::generation`]); the
//! first write after it moves the generation on, and the next request reads the store again.
//! So an answer from here is never older than the state any other reader can see: a write
//! makes the generation odd before it can commit, and while a write may be under way
//! nothing is cached or answered from the cache.
//!
//! Requests that miss at the same time wait for the first one's read instead of each
//! reading the same page (a `OnceCell` per entry): with 32 clients, every write would
//! otherwise cost up to 32 reads of the page.
//!
//! [`Store::generation`]: crate::store::Store::generation

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use tokio::sync::OnceCell;

use crate::store::Generation;

/// Distinct pages kept; past it the cache starts again empty. The console asks for a few
/// (first page, a filter, the next pages), so this bounds memory, not the hit rate.
const MAX_PAGES: usize = 64;

#[derive(Debug)]
pub struct PageCache<K> {
    pages: Mutex<HashMap<K, Entry>>,
}

#[derive(Debug)]
struct Entry {
    generation: Generation,
    body: Arc<OnceCell<Bytes>>,
}

impl<K> Default for PageCache<K> {
    fn default() -> Self {
        PageCache { pages: Mutex::new(HashMap::new()) }
    }
}

impl<K: Hash + Eq> PageCache<K> {
    /// The page `key` as of `generation` (read by the caller from the store *before* this
    /// call): cached, or made by `build` and kept. With no generation (a write may be under
    /// way) `build` runs and nothing is kept.
    pub async fn get_or_build<E, F, Fut>(&self, key: K, generation: Option<Generation>, build: F) -> Result<Bytes, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Bytes, E>>,
    {
        let Some(generation) = generation else {
            return build().await;
        };
        let Some(body) = self.entry(key, generation) else {
            return build().await;
        };
        body.get_or_try_init(build).await.cloned()
    }

    /// The entry of `key` for `generation`, made empty if the cache held an older one;
    /// `None` when the cache already holds a newer one (this request began before a write
    /// that another request has already read past).
    fn entry(&self, key: K, generation: Generation) -> Option<Arc<OnceCell<Bytes>>> {
        // Nothing here can leave the map half-changed, so a panic elsewhere while the lock was
        // held leaves it usable.
        let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
        match pages.get(&key) {
            Some(e) if e.generation == generation => return Some(Arc::clone(&e.body)),
            Some(e) if e.generation > generation => return None,
            Some(_) => {}
            None if pages.len() >= MAX_PAGES => pages.clear(),
            None => {}
        }
        let body = Arc::new(OnceCell::new());
        pages.insert(key, Entry { generation, body: Arc::clone(&body) });
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::store::Store;

    async fn page(cache: &PageCache<&'static str>, store: &Store, reads: &AtomicUsize, body: &str) -> Bytes {
        let body = Bytes::from(body.to_owned());
        cache
            .get_or_build("page", store.generation(), || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(body)
            })
            .await
            .expect("the build cannot fail")
    }

    #[tokio::test]
    async fn a_page_is_kept_until_the_next_write() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("kiln.sqlite3")).expect("open");
        let cache = PageCache::default();
        let reads = AtomicUsize::new(0);

        assert_eq!(page(&cache, &store, &reads, "first").await, "first");
        assert_eq!(page(&cache, &store, &reads, "second").await, "first", "no write: the kept page");
        assert_eq!(reads.load(Ordering::SeqCst), 1);

        store.call(|_| Ok(())).await.expect("a write");
        assert_eq!(page(&cache, &store, &reads, "third").await, "third", "a write: read again");
        assert_eq!(reads.load(Ordering::SeqCst), 2);

        // A failed write counts too: it may have changed something before it failed.
        let failed = store.call(|c| Ok(c.execute("INSERT INTO no_such_table VALUES (1)", [])?)).await;
        assert!(failed.is_err());
        assert_eq!(page(&cache, &store, &reads, "fourth").await, "fourth");
    }

    #[tokio::test]
    async fn nothing_is_cached_while_a_write_is_under_way() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("kiln.sqlite3")).expect("open");
        let cache = PageCache::default();
        let reads = AtomicUsize::new(0);
        let seen = store
            .call_sync(|_| {
                // Inside the writer's call, as a reader on another thread would see it.
                let during = store.generation();
                Ok(during)
            })
            .expect("a write");
        assert_eq!(seen, None, "a write under way has no generation");
        let generation = store.generation();
        assert!(generation.is_some());
        for body in ["a", "b"] {
            let got = cache
                .get_or_build("page", None, || async {
                    reads.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, ()>(Bytes::from(body))
                })
                .await
                .expect("build");
            assert_eq!(got, body);
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2, "without a generation every request reads");
    }
}
