//! Password hashing with argon2id (the `argon2` crate, PHC strings). Hashing is
//! deliberately slow, so it runs on the blocking pool, never on the async workers.
//! Verification reads the parameters from the stored string, so a cheaper cost
//! (tests) and the default cost verify alike.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
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

/// A PHC string (`$argon2id$v=19$...`) for `password`.
pub fn hash_blocking(password: &str, cost: Cost) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Whether `password` matches the PHC string `hash`. A malformed hash matches nothing.
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash(password: String, cost: Cost) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password, cost))
        .await
        .map_err(ApiError::internal)?
}

pub async fn verify(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
        .await
        .unwrap_or(false)
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
    }
}
