//! For the test suites of this workspace (the store's and the server's): fresh
//! PostgreSQL databases on a shared server. Not part of the store's API.

use std::sync::Mutex;

use sqlx::Connection;

/// Creates a uniquely named database beside the one `admin_url` names and
/// returns its URL. The name is `{prefix}{pid}_{n}_{ms}`: the test process's
/// id, a counter and the time, so runs never collide.
///
/// A run's databases are left behind for inspection, and the first call of a
/// process drops those of earlier runs with the same prefix whose process is
/// gone (no `/proc/{pid}`; on a system without `/proc`, none is dropped), so
/// a developer's PostgreSQL keeps one run's databases, not every run's.
/// Databases of a run still going (a second checkout's tests, CI beside a
/// developer) are never touched.
///
/// Panics, failing the test, when PostgreSQL is unreachable: `admin_url`
/// comes from `LUOT_TEST_PG_URL`, and a set but wrong URL must not skip.
pub async fn fresh_pg_database(admin_url: &str, prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    // Prefixes whose earlier runs this process has swept.
    static SWEPT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let name = format!(
        "{prefix}{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        jiff::Timestamp::now().as_millisecond() % 1_000_000
    );
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("LUOT_TEST_PG_URL is set but PostgreSQL is unreachable: {e}"));
    let first = {
        let mut swept = SWEPT.lock().unwrap_or_else(|p| p.into_inner());
        let first = !swept.iter().any(|p| p == prefix);
        if first {
            swept.push(prefix.to_owned());
        }
        first
    };
    if first {
        drop_stale(&mut admin, prefix).await;
    }
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
    let _ = admin.close().await;
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
    format!("{base}/{name}")
}

/// Drops the databases named `{prefix}{pid}_…` whose process `pid` has ended.
/// Best effort: a database that cannot be dropped (still connected to) stays.
async fn drop_stale(admin: &mut sqlx::PgConnection, prefix: &str) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let names: Vec<(String,)> =
        match sqlx::query_as("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(prefix)
            .fetch_all(&mut *admin)
            .await
        {
            Ok(names) => names,
            Err(_) => return,
        };
    for (name,) in names {
        if let Some(pid) = stale_pid(&name, prefix) {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&mut *admin)
                    .await;
            }
        }
    }
}

/// The process id in a database name `{prefix}{pid}_{n}_{ms}`, if it is one.
fn stale_pid(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    let mut parts = rest.split('_');
    let pid = parts.next()?.parse().ok()?;
    let numeric =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (numeric(parts.next()) && numeric(parts.next()) && parts.next().is_none()).then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::stale_pid;

    #[test]
    fn only_names_of_the_pattern_carry_a_pid() {
        assert_eq!(stale_pid("luot_t123_4_567", "luot_t"), Some(123));
        assert_eq!(stale_pid("luot_t123_4", "luot_t"), None);
        assert_eq!(stale_pid("luot_t123_4_567_8", "luot_t"), None);
        assert_eq!(stale_pid("luot_tx_4_567", "luot_t"), None);
        assert_eq!(stale_pid("luot_s123_4_567", "luot_t"), None);
        assert_eq!(stale_pid("luot_bench_123_456", "luot_t"), None);
    }
}
