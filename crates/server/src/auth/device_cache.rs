//! Recently seen device tokens, so a kiosk issuing tickets all morning does not
//! read its device row on every request (that read was a fifth of the server's
//! work under load). Only live, unrevoked devices are kept, each for at most
//! [`DeviceCache::TTL`]. A revocation in this process forgets the device at
//! once; another process sharing the database refuses it within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use luot_store::auth::DeviceView;

/// Past this many entries, expired ones are dropped before adding another.
const PRUNE_AT: usize = 4096;

#[derive(Default)]
pub struct DeviceCache {
    /// By token hash: the device and when it was read from the database.
    entries: Mutex<HashMap<String, (DeviceView, Instant)>>,
}

impl DeviceCache {
    /// How long a device read from the database is trusted without reading
    /// it again: the longest another process may still accept a revoked token.
    pub const TTL: Duration = Duration::from_secs(2);

    /// The device of `token_hash` if it was read within the TTL.
    pub fn get(&self, token_hash: &str) -> Option<DeviceView> {
        let entries = self.lock();
        let (device, at) = entries.get(token_hash)?;
        (at.elapsed() < Self::TTL).then(|| device.clone())
    }

    /// Remembers a live device just read from the database.
    pub fn put(&self, token_hash: String, device: DeviceView) {
        if device.revoked {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
        }
        entries.insert(token_hash, (device, Instant::now()));
    }

    /// Records that the device was just marked seen in the database.
    pub fn seen(&self, token_hash: &str, now: Timestamp) {
        if let Some((device, _)) = self.lock().get_mut(token_hash) {
            device.last_seen = Some(now);
        }
    }

    /// Forgets device `id` (revoked): its next request reads the database.
    pub fn forget(&self, id: i64) {
        self.lock().retain(|_, (d, _)| d.id != id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (DeviceView, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use luot_domain::CentreCode;
    use luot_store::auth::DeviceKind;

    fn device(id: i64, revoked: bool) -> DeviceView {
        DeviceView {
            id,
            kind: DeviceKind::Kiosk,
            name: format!("kiosk {id}"),
            centre: CentreCode::parse("mo-cay").unwrap(),
            revoked,
            created_at: Timestamp::UNIX_EPOCH,
            created_by: "staff:admin".into(),
            last_seen: None,
            counter: None,
        }
    }

    #[test]
    fn keeps_live_devices_forgets_revoked_ones() {
        let cache = DeviceCache::default();
        cache.put("a".into(), device(1, false));
        cache.put("b".into(), device(2, true));
        assert_eq!(cache.get("a").map(|d| d.id), Some(1));
        assert!(cache.get("b").is_none(), "a revoked device is never kept");
        assert!(cache.get("zzz").is_none());

        let now = Timestamp::from_second(1_800_000_000).unwrap();
        cache.seen("a", now);
        assert_eq!(cache.get("a").unwrap().last_seen, Some(now));

        cache.forget(1);
        assert!(cache.get("a").is_none(), "revocation forgets at once");
    }

    #[test]
    fn entries_expire() {
        let cache = DeviceCache::default();
        cache.put("a".into(), device(1, false));
        // Age the entry past the TTL.
        if let Some((_, at)) = cache.lock().get_mut("a") {
            *at -= DeviceCache::TTL;
        }
        assert!(cache.get("a").is_none());
    }
}
