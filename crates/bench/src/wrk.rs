//! The comparison with `wrk` that issue 16 asks for: Debian's `wrk` (a C load
//! generator, far cheaper per request than this harness) drives `GET /healthz`
//! and then kiosk-token ticket issues over 64 connections, so the issue rate is
//! judged against `/healthz` measured by the same tool in the same run. Skipped
//! with a note when `wrk` is not on PATH.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;

use crate::stats::Row;

/// What one `wrk --latency` run printed.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkRun {
    pub requests: u64,
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Non-2xx/3xx answers, socket errors and timeouts.
    pub errors: u64,
}

impl WrkRun {
    pub fn row(&self, name: &str, healthz_rate: f64) -> Row {
        Row {
            name: name.to_owned(),
            count: self.requests,
            rate: self.rate,
            ratio: (healthz_rate > 0.0).then(|| self.rate / healthz_rate),
            p50: self.p50_ms,
            p99: self.p99_ms,
            max: self.max_ms,
            errors: self.errors,
        }
    }
}

/// Whether `wrk` can be run.
pub fn available() -> bool {
    std::process::Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A Lua script issuing a ticket per request, like the kiosk page: services in
/// rotation, a fresh Idempotency-Key each (unique in the run: `prefix` and a
/// counter; wrk runs one thread here), the kiosk's device token.
fn issue_script(centre: &str, services: &[String], auth: &str, prefix: &str) -> String {
    let list = services
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"local services = {{ {list} }}
local n = 0
request = function()
  n = n + 1
  local body = '{{"service":"' .. services[(n % #services) + 1] .. '"}}'
  local headers = {{
    ["Content-Type"] = "application/json",
    ["Authorization"] = {auth:?},
    ["Idempotency-Key"] = "{prefix}-" .. n,
  }}
  return wrk.format("POST", "/api/v1/centres/{centre}/tickets", headers, body)
end
"#
    )
}

/// Runs `wrk -t1 -c{connections} -d{secs} --latency` against `path` (with
/// `script`, if any) and parses what it printed.
async fn run(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    duration: Duration,
    script: Option<&std::path::Path>,
) -> anyhow::Result<WrkRun> {
    let mut cmd = tokio::process::Command::new("wrk");
    cmd.arg("-t1")
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--latency")
        .arg("--timeout")
        .arg("10s");
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd
        .arg(format!("http://{addr}{path}"))
        .stdin(Stdio::null())
        .output()
        .await
        .context("running wrk")?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&text).with_context(|| format!("reading wrk's output:\n{text}"))
}

/// `/healthz`, then ticket issues, each with `connections` connections for
/// `duration`: the two rows, and the issue run's figures.
pub async fn phase(
    addr: SocketAddr,
    centre: &str,
    services: &[String],
    kiosk_auth: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<(WrkRun, WrkRun)> {
    let healthz = run(addr, "/healthz", connections, duration, None).await?;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("issue.lua");
    let prefix = format!("wrk-{}", std::process::id());
    std::fs::write(&script, issue_script(centre, services, kiosk_auth, &prefix))?;
    let path = format!("/api/v1/centres/{centre}/tickets");
    let issue = run(addr, &path, connections, duration, Some(&script)).await?;
    Ok((healthz, issue))
}

/// A duration as wrk prints it (`812.00us`, `1.23ms`, `2.10s`, `1.00m`), in ms.
fn ms(s: &str) -> Option<f64> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let v: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        "h" => v * 3_600_000.0,
        _ => return None,
    })
}

/// Parses `wrk --latency`'s report.
pub fn parse(text: &str) -> anyhow::Result<WrkRun> {
    let mut run = WrkRun {
        requests: 0,
        rate: 0.0,
        p50_ms: 0.0,
        p99_ms: 0.0,
        max_ms: 0.0,
        errors: 0,
    };
    let (mut rate, mut requests, mut p50, mut p99) = (None, None, None, None);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", _avg, _stdev, max, ..] => run.max_ms = ms(max).unwrap_or(0.0),
            ["50%", v] => p50 = ms(v),
            ["99%", v] => p99 = ms(v),
            [n, "requests", "in", ..] => requests = n.parse().ok(),
            ["Requests/sec:", v] => rate = v.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => run.errors += n.parse::<u64>()?,
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 0"
                for pair in rest.chunks(2) {
                    if let [_, n] = pair {
                        run.errors += n.trim_end_matches(',').parse::<u64>()?;
                    }
                }
            }
            _ => {}
        }
    }
    run.rate = rate.context("no Requests/sec")?;
    run.requests = requests.context("no request count")?;
    run.p50_ms = p50.context("no 50% latency (--latency)")?;
    run.p99_ms = p99.context("no 99% latency (--latency)")?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What wrk 4.1.0 printed for a run against this server.
    const SAMPLE: &str = "Running 4s test @ http://127.0.0.1:40000/healthz
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  512.00us  15.30ms   90.00%
    Req/Sec    30.10k     1.20k   32.00k    80.00%
  Latency Distribution
     50%  812.00us
     75%    1.30ms
     90%    2.70ms
     99%    5.12ms
  120400 requests in 4.00s, 20.10MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  30100.00
Transfer/sec:      5.02MB
";

    #[test]
    fn reads_wrks_report() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!(
            r,
            WrkRun {
                requests: 120_400,
                rate: 30_100.0,
                p50_ms: 0.812,
                p99_ms: 5.12,
                max_ms: 15.3,
                errors: 8,
            }
        );
    }

    #[test]
    fn a_report_without_latency_percentiles_is_refused() {
        let cut: String = SAMPLE
            .lines()
            .filter(|l| !l.contains('%') || l.contains("Stdev"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(parse(&cut).is_err());
    }

    #[test]
    fn the_script_sends_a_fresh_key_and_the_token() {
        let s = issue_script("mo-cay", &["A".into(), "B".into()], "Bearer k", "wrk-1");
        assert!(s.contains(r#"local services = { "A", "B" }"#), "{s}");
        assert!(s.contains(r#"["Authorization"] = "Bearer k","#));
        assert!(s.contains(r#""wrk-1-" .. n"#));
        assert!(s.contains("/api/v1/centres/mo-cay/tickets"));
    }
}
