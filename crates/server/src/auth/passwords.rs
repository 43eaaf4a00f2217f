//! Password hashing with argon2id (the `argon2` crate, PHC strings). Hashing is
//! deliberately slow, so it runs on the blocking pool, never on the async workers.
//! Verification reads the parameters from the stored string, so a cheaper cost
//! (tests) and the default cost verify alike, but never above the default cost:
//! a stored hash asking for more memory matches nothing.
//!
//! Memory is bounded under any burst: every hash and verification passes
//! [`Gate`] (sign-ins; hashes wait on a semaphore of the same size), as many at once as there are cores (19 MiB each) with a short
//! queue behind them; a request that finds the queue full gets 503 with
//! `Retry-After` at once instead of waiting (240 sign-ins at once used to run
//! 240 hashes, 4.4 GiB).

use argon2::{
    password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Block, Params, Version,
};

use crate::error::ApiError;

/// The shortest password accepted for a new account.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longer passwords are refused before hashing (a cheap denial of service otherwise).
pub const MAX_PASSWORD_LEN: usize = 256;

/// How expensive a new hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// argon2id, 19 MiB, 2 passes, 1 lane: the OWASP recommendation.
    Default,
    /// The minimum argon2 allows; for tests only.
    Fast,
}

fn hasher(cost: Cost) -> Argon2<'static> {
    let params = match cost {
        Cost::Default => Params::default(),
        Cost::Fast => Params::new(Params::MIN_M_COST.max(8), 1, 1, None).unwrap_or_default(),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Argon2's working memory (19 MiB at the default cost), kept for the next
/// hash instead of freed. glibc's malloc keeps a freed block that size in
/// the arena of the blocking thread that used it, so hashes spread over the
/// blocking pool's threads grew the process by 19 MiB a thread, for good (15
/// sign-ins in bursts of five: 216 MiB resident, from 20 MiB). With the pool
/// the process holds at most [`POOLED`] buffers, and no more run at once than
/// the [`Gate`] admits.
static MEMORY: std::sync::Mutex<Vec<Vec<Block>>> = std::sync::Mutex::new(Vec::new());

/// Buffers kept between hashes: the sign-in gate's concurrency on a small
/// machine. A larger machine running more hashes at once allocates the extra
/// ones per hash.
const POOLED: usize = 4;

/// Runs argon2 with `params` over `password` and `salt` into `out`, in a
/// pooled buffer.
fn compute(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    let blocks = argon.params().block_count();
    let taken = MEMORY.lock().map(|mut pool| pool.pop()).unwrap_or(None);
    let mut memory = taken
        .filter(|m| m.len() >= blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks.max(Params::default().block_count())]);
    let result = argon.hash_password_into_with_memory(password, salt, out, &mut memory[..]);
    if let Ok(mut pool) = MEMORY.lock() {
        if pool.len() < POOLED {
            pool.push(memory);
        }
    }
    result
}

/// A PHC string (`$argon2id$v=19$...`) for `password`.
pub fn hash_blocking(password: &str, cost: Cost) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    let argon = hasher(cost);
    let params = argon.params().clone();
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_bytes)
        .map_err(ApiError::internal)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        compute(&argon, password.as_bytes(), salt_bytes, out).map_err(Into::into)
    })
    .map_err(ApiError::internal)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `hash`. A malformed hash, or one
/// whose parameters cost more than the default (memory, passes, lanes),
/// matches nothing.
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let most = Params::default();
    if params.m_cost() > most.m_cost()
        || params.t_cost() > most.t_cost()
        || params.p_cost() > most.p_cost()
    {
        return false;
    }
    let (Ok(algorithm), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| {
        compute(&argon, password.as_bytes(), salt_bytes, out).map_err(Into::into)
    });
    // Output's equality is constant-time.
    matches!(computed, Ok(c) if c == expected)
}

/// Admits argon2 work: `running` at once, `queue` more waiting; beyond that,
/// 503 `busy` with `Retry-After: 1`.
pub struct Gate {
    running: tokio::sync::Semaphore,
    /// Admitted (running or waiting) now.
    admitted: std::sync::atomic::AtomicUsize,
    limit: usize,
    /// The most that ever ran at once (tests read it).
    peak: std::sync::atomic::AtomicUsize,
    now: std::sync::atomic::AtomicUsize,
}

impl Gate {
    pub fn new(running: usize, queue: usize) -> Self {
        let running = running.max(1);
        Self {
            running: tokio::sync::Semaphore::new(running),
            admitted: Default::default(),
            limit: running + queue,
            peak: Default::default(),
            now: Default::default(),
        }
    }

    /// One hash per core, two per core waiting (the sign-in gate of a server).
    pub fn for_cores() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores, 2 * cores)
    }

    /// The most argon2 computations that ran at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs `work` on the blocking pool once admitted.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.admitted.fetch_add(1, SeqCst) >= self.limit {
            self.admitted.fetch_sub(1, SeqCst);
            let mut e = ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Máy chủ đang bận, vui lòng thử lại sau giây lát",
                "The server is busy, retry in a moment",
            );
            e.retry_after = Some(1);
            return Err(e);
        }
        struct Leave<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let _leave = Leave(&self.admitted);
        let _permit = self.running.acquire().await.map_err(ApiError::internal)?;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        let _running = Leave(&self.now);
        tokio::task::spawn_blocking(work)
            .await
            .map_err(ApiError::internal)
    }
}

/// A new hash (administrators setting passwords): waits its turn behind at
/// most one hash per core, so these too stay within bounded memory.
pub async fn hash(password: String, cost: Cost) -> Result<String, ApiError> {
    static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = HASHING.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores)
    });
    let _permit = permits.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(move || hash_blocking(&password, cost))
        .await
        .map_err(ApiError::internal)?
}

/// Whether `password` matches `hash`, through `gate`; 503 when too many are
/// being checked.
pub async fn verify(gate: &Gate, password: String, hash: String) -> Result<bool, ApiError> {
    gate.run(move || verify_blocking(&password, &hash)).await
}

/// A hash to verify against when the username does not exist, so a wrong
/// username costs as long as a wrong password and reveals nothing by timing.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_blocking("decoy password", Cost::Default).unwrap_or_default())
}

/// 422 unless the password is of an acceptable length.
pub fn check_new(password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN || password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "weak_password",
            format!("Mật khẩu phải dài từ {MIN_PASSWORD_LEN} đến {MAX_PASSWORD_LEN} ký tự"),
            format!("The password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    /// Hashes made here and by the argon2 crate's own PHC functions (as
    /// stored before the pooled memory) verify each other, at both costs.
    #[test]
    fn pooled_hashes_are_the_crates_phc_strings() {
        for cost in [Cost::Default, Cost::Fast] {
            let ours = hash_blocking("Mật khẩu 123", cost).unwrap();
            let parsed = PasswordHash::new(&ours).unwrap();
            assert!(hasher(cost)
                .verify_password("Mật khẩu 123".as_bytes(), &parsed)
                .is_ok());
            assert!(hasher(cost).verify_password(b"another", &parsed).is_err());
            let theirs = hasher(cost)
                .hash_password(b"Mat khau 456", &SaltString::generate(&mut OsRng))
                .unwrap()
                .to_string();
            assert!(verify_blocking("Mat khau 456", &theirs));
            assert!(!verify_blocking("Mat khau 457", &theirs));
        }
        // The default cost's buffer serves the cheaper one; the pool is bounded.
        assert!(MEMORY.lock().unwrap().len() <= POOLED);
    }

    /// Many hashes on many threads keep at most POOLED buffers.
    #[test]
    fn the_memory_pool_is_bounded() {
        let threads: Vec<_> = (0..8)
            .map(|i| std::thread::spawn(move || hash_blocking(&format!("pw {i}"), Cost::Fast)))
            .collect();
        for t in threads {
            assert!(t.join().unwrap().is_ok());
        }
        assert!(MEMORY.lock().unwrap().len() <= POOLED);
    }

    #[test]
    fn argon2id_hashes_verify_and_differ_by_salt() {
        let h = hash_blocking("mật khẩu đúng", Cost::Default).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_blocking("mật khẩu đúng", &h));
        assert!(!verify_blocking("mật khẩu sai", &h));
        assert!(!verify_blocking("mật khẩu đúng", "not a hash"));
        let again = hash_blocking("mật khẩu đúng", Cost::Default).unwrap();
        assert_ne!(h, again, "salted");
        let fast = hash_blocking("x", Cost::Fast).unwrap();
        assert!(fast.starts_with("$argon2id$") && verify_blocking("x", &fast));
        assert!(check_new("short").is_err() && check_new("long enough").is_ok());
        // A stored hash that asks for more memory than the default matches nothing.
        let greedy = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"x", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(!verify_blocking("x", &greedy));
    }

    /// Past `running` + `queue` admitted, work is refused at once with 503 and
    /// Retry-After; never more than `running` run at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_bounds_concurrent_hashes() {
        let gate = std::sync::Arc::new(Gate::new(2, 3));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let mut admitted = Vec::new();
        for _ in 0..5 {
            let (gate, rx) = (gate.clone(), rx.clone());
            admitted.push(tokio::spawn(async move {
                gate.run(move || {
                    let _ = rx.lock().unwrap().recv();
                })
                .await
                .is_ok()
            }));
        }
        // Until all five are in (by time, not by a count of yields: on a
        // loaded machine the blocking threads may take a while to start).
        tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while gate.admitted.load(std::sync::atomic::Ordering::SeqCst) < 5 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("five hashes admitted");
        let mut refused = 0;
        for _ in 0..15 {
            let e = gate.run(|| ()).await.unwrap_err();
            assert_eq!((e.status.as_u16(), e.retry_after), (503, Some(1)));
            refused += 1;
        }
        for _ in 0..5 {
            tx.send(()).unwrap();
        }
        for t in admitted {
            assert!(t.await.unwrap());
        }
        assert_eq!(refused, 15);
        assert!(gate.peak() <= 2, "{}", gate.peak());
    }
}
