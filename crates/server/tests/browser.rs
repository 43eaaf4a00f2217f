//! Runs the browser tests (tests/browser/*.test.mjs, node:test + playwright-core
//! driving headless Chromium) so `cargo test --workspace` covers the UIs. Each
//! test file gets a fresh server on port 0 with the demo centre and the clock
//! pinned to a working morning, passed as `LUOT_BASE_URL`; files run one after
//! another. Screenshots go to target/browser-artifacts/.
//!
//! Needs `node`, `tests/browser/node_modules` (`npm ci` there) and
//! `/usr/bin/chromium`. When one is missing the test fails if `CI` is set and is
//! skipped (with the reason printed) otherwise. `LUOT_BROWSER_TEST=display` runs
//! only the files whose name contains `display`.
//!
//! A separate test target because it spawns node and Chromium processes.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing(dir: &Path) -> Option<String> {
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("`node` is not installed".into());
    }
    if !dir.join("node_modules/playwright-core").is_dir() {
        return Some(format!(
            "{} has no node_modules (run `npm ci` there)",
            dir.display()
        ));
    }
    let chromium = std::env::var("LUOT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    None
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let filter = std::env::var("LUOT_BROWSER_TEST").unwrap_or_default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.ends_with(".test.mjs") && name.contains(&filter)
        })
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_tests() {
    let dir = root().join("tests/browser");
    if let Some(reason) = missing(&dir) {
        if std::env::var_os("CI").is_some() {
            panic!("browser tests cannot run: {reason}");
        }
        eprintln!("skipping the browser tests: {reason}");
        return;
    }
    let artifacts = root().join("target/browser-artifacts");
    let mut failed = Vec::new();
    for file in test_files(&dir) {
        let app = helpers::spawn_app().await;
        let run = tokio::process::Command::new("node")
            .arg("--test")
            .arg(&file)
            .current_dir(&dir)
            .env("LUOT_BASE_URL", format!("http://{}", app.addr))
            .env("LUOT_ARTIFACTS", &artifacts)
            .kill_on_drop(true)
            .status();
        // A hung page must not hang `cargo test`.
        let status = tokio::time::timeout(std::time::Duration::from_secs(300), run).await;
        app.stop().await;
        if !status.is_ok_and(|s| s.is_ok_and(|s| s.success())) {
            failed.push(file.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(failed.is_empty(), "browser tests failed: {failed:?}");
}
