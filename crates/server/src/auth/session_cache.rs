//! Recently checked staff sessions, so a counter clerk calling and completing
//! all day costs a memory look-up per request, not a session query (the query
//! halved a staff member's issuing rate against a kiosk's). Entries live at
//! most [`SessionCache::TTL`].
//!
//! In this process a change takes effect at once: signing out forgets the
//! session, and any account change (deactivation, new password, role,
//! centre or counters) forgets every cached session. A generation number makes
//! that safe against a request that read the database just before the change
//! and stores its (now stale) answer just after: stores are refused when the
//! generation moved since the read began. Another process sharing the database
//! (PostgreSQL) honours a sign-out or deactivation within the TTL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use luot_store::auth::SessionRecord;

/// Past this many entries, expired ones are dropped before adding another.
const PRUNE_AT: usize = 4096;

#[derive(Default)]
pub struct SessionCache {
    /// By token hash: the session and when it was read from the database.
    entries: Mutex<HashMap<String, (SessionRecord, Instant)>>,
    /// Bumped by every forget: a read begun before it must not be stored.
    generation: AtomicU64,
}

impl SessionCache {
    /// How long a session read from the database is trusted without reading
    /// it again: the longest another process may still accept a session that
    /// was signed out or whose account was deactivated there.
    pub const TTL: Duration = Duration::from_secs(2);

    /// The session of `token_hash` if it was read within the TTL.
    pub fn get(&self, token_hash: &str) -> Option<SessionRecord> {
        let entries = self.lock();
        let (session, at) = entries.get(token_hash)?;
        (at.elapsed() < Self::TTL).then(|| session.clone())
    }

    /// The generation to pass to [`SessionCache::put`]: take it before reading
    /// the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Remembers a live session read from the database, unless something was
    /// forgotten since `generation` was taken (the read may predate it).
    pub fn put(&self, generation: u64, token_hash: String, session: SessionRecord) {
        if !session.account.active {
            return;
        }
        let mut entries = self.lock();
        // Checked under the lock that forget takes too: no forget can slip
        // between this check and the insert.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
        }
        entries.insert(token_hash, (session, Instant::now()));
    }

    /// Records that the session was just marked seen in the database.
    pub fn seen(&self, token_hash: &str, now: Timestamp) {
        if let Some((session, _)) = self.lock().get_mut(token_hash) {
            session.last_seen = now;
        }
    }

    /// Forgets one session (signed out or expired).
    pub fn forget(&self, token_hash: &str) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(token_hash);
    }

    /// Forgets every session: an account changed (it may have been
    /// deactivated, given a new password, or another role or counters).
    pub fn forget_all(&self) {
        let mut entries = self.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SessionRecord, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use luot_store::auth::{Account, Role};

    use super::*;

    fn session(user: &str, active: bool) -> SessionRecord {
        SessionRecord {
            account: Account {
                username: user.into(),
                display_name: user.into(),
                role: Role::Staff,
                centre: None,
                counters: None,
                active,
            },
            created_at: Timestamp::UNIX_EPOCH,
            last_seen: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn keeps_live_sessions_and_forgets_on_change() {
        let cache = SessionCache::default();
        let g = cache.generation();
        cache.put(g, "a".into(), session("lan", true));
        cache.put(g, "b".into(), session("mai", false));
        cache.put(g, "c".into(), session("hoa", true));
        assert_eq!(cache.get("a").unwrap().account.username, "lan");
        assert!(
            cache.get("b").is_none(),
            "an inactive account is never kept"
        );

        let now = Timestamp::from_second(1_800_000_000).unwrap();
        cache.seen("a", now);
        assert_eq!(cache.get("a").unwrap().last_seen, now);

        cache.forget("a");
        assert!(cache.get("a").is_none(), "sign-out forgets at once");
        assert!(cache.get("c").is_some());
        cache.forget_all();
        assert!(cache.get("c").is_none(), "an account change forgets all");
    }

    /// A read that began before a change cannot store its stale answer after it.
    #[test]
    fn a_read_from_before_a_change_is_not_stored() {
        let cache = SessionCache::default();
        let before = cache.generation();
        cache.forget_all();
        cache.put(before, "a".into(), session("lan", true));
        assert!(cache.get("a").is_none());
        cache.put(cache.generation(), "a".into(), session("lan", true));
        assert!(cache.get("a").is_some());
    }

    #[test]
    fn entries_expire() {
        let cache = SessionCache::default();
        cache.put(cache.generation(), "a".into(), session("lan", true));
        if let Some((_, at)) = cache.lock().get_mut("a") {
            *at -= SessionCache::TTL;
        }
        assert!(cache.get("a").is_none());
    }
}
