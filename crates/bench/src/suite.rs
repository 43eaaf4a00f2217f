//! One benchmark run: start (or reach) the server, run the phases in order,
//! read the server's peak memory, stop it, verify the database, judge the
//! targets, print the table and write the report.

use std::time::Duration;

use anyhow::Context;
use sqlx::Connection;

use crate::cli::{Backend, RunArgs};
use crate::load::{self, Plan};
use crate::report::{self, Machine, Results, Target};
use crate::server::{find_luot, proc_status_bytes, Server};
use crate::setup;
use crate::stats::Row;
use crate::verify;
use crate::ws::{self, CallLog};
use std::sync::Arc;

/// The hand-written part of docs/benchmarks.md: how to read the figures and
/// why a target is missed. Kept beside the code that produces the figures.
const ANALYSIS: &str = include_str!("analysis.md");

const METHOD: &str = include_str!("method.md");

/// Where the run's data lives, and how to clean it up. The harness owns it:
/// it makes it, hands its URL to the server, reads it after the run with its
/// own SQL, and removes it.
enum Db {
    Sqlite {
        url: String,
        dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        admin: String,
        name: String,
        dir: tempfile::TempDir,
    },
    None,
}

impl Db {
    async fn fresh(args: &RunArgs) -> anyhow::Result<Self> {
        if args.url.is_some() {
            return Ok(Self::None);
        }
        match args.backend {
            Backend::Postgres => {
                let u = args.pg_url.as_deref().context(
                    "--backend postgres needs --pg-url postgres://USER@HOST/DB (or LUOT_TEST_PG_URL)",
                )?;
                let name = format!(
                    "luot_bench_{}_{}",
                    std::process::id(),
                    jiff::Timestamp::now().as_second()
                );
                let mut admin = sqlx::PgConnection::connect(u)
                    .await
                    .context("connecting to the PostgreSQL server of --pg-url")?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                let (base, query) = match u.split_once('?') {
                    Some((b, q)) => (b, format!("?{q}")),
                    None => (u, String::new()),
                };
                let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
                Ok(Self::Postgres {
                    url: format!("{base}/{name}{query}"),
                    admin: u.to_owned(),
                    name,
                    dir: tempfile::tempdir()?,
                })
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Ok(Self::Sqlite { url, dir })
            }
        }
    }

    fn url(&self) -> Option<&str> {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => Some(url),
            Self::None => None,
        }
    }

    /// The server's state directory (its key file, the demo's credentials, its log).
    fn state_dir(&self) -> Option<&std::path::Path> {
        match self {
            Self::Sqlite { dir, .. } | Self::Postgres { dir, .. } => Some(dir.path()),
            Self::None => None,
        }
    }

    fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
            Self::None => "remote server",
        }
    }

    async fn drop_db(self) -> anyhow::Result<()> {
        if let Self::Postgres { admin, name, .. } = self {
            let mut c = sqlx::PgConnection::connect(&admin).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut c)
                .await?;
            c.close().await?;
        }
        Ok(())
    }
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

/// Runs the suite; returns whether every correctness check passed.
pub async fn run(args: RunArgs) -> anyhow::Result<bool> {
    let load_before = load_average();
    let luot = match &args.url {
        Some(_) => None,
        None => Some(find_luot(args.luot.as_deref())?),
    };
    let db = Db::fresh(&args).await?;
    // The database goes whether the run succeeded or not.
    let outcome = run_on(&args, &db, luot, load_before).await;
    let dropped = db.drop_db().await;
    let ok = outcome?;
    dropped?;
    Ok(ok)
}

async fn run_on(
    args: &RunArgs,
    db: &Db,
    luot: Option<std::path::PathBuf>,
    load_before: String,
) -> anyhow::Result<bool> {
    let server = match (&args.url, &luot, db.url(), db.state_dir()) {
        (Some(u), _, _, _) => Server::remote(u)?,
        (None, Some(luot), Some(url), Some(dir)) => Server::child(luot, url, dir).await?,
        _ => anyhow::bail!("no server and no database"),
    };
    let addr = server.addr();
    eprintln!("luot-bench: server at http://{addr} on {}", db.backend());
    let creds = server.credentials();
    let kiosk_auth = creds.kiosk_token.as_ref().map(|t| format!("Bearer {t}"));
    let staff_auth = match &creds.admin_password {
        Some(pw) => Some(format!("Bearer {}", load::login(addr, "admin", pw).await?)),
        None => None,
    };
    match &staff_auth {
        Some(auth) => setup::bench_centre(addr, &args.centre, auth, args.counters).await?,
        None => eprintln!("luot-bench: no administrator password: the centre is used as it is"),
    }
    let services = load::service_codes(addr, &args.centre).await?;
    let mut context = Vec::new();
    if let Some(luot) = &luot {
        let built = std::fs::metadata(luot)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| jiff::Timestamp::try_from(t).ok())
            .map_or_else(String::new, |t| {
                format!(", built {}", t.strftime("%Y-%m-%d %H:%M UTC"))
            });
        context.push(("server".into(), format!("`{}`{built}", luot.display())));
        context.push((
            "server command".into(),
            format!(
                "`luot --listen 127.0.0.1:PORT --state-dir TMP {}` with `LUOT_DATABASE_URL` = {} (in its environment)",
                Server::flags().join(" "),
                match db {
                    Db::Postgres { .. } => "a fresh PostgreSQL database",
                    _ => "`sqlite://TMP/bench.db`",
                }
            ),
        ));
    }
    let secs = Duration::from_secs_f64(args.secs);
    let plan = |workers: usize, rate: f64| Plan {
        workers,
        duration: secs,
        rate,
        max_ops: args.max_ops,
    };

    let mut results = Results {
        context,
        sections: Vec::new(),
        extras: Vec::new(),
        targets: Vec::new(),
        checks: Vec::new(),
    };
    let mut http_rows = Vec::new();
    let mut issued = Vec::new();
    let mut called = Vec::new();

    let mut healthz_rate = 0.0;
    if args.wants("healthz") {
        eprintln!(
            "luot-bench: GET /healthz, {} clients, {secs:?}",
            args.healthz_concurrency
        );
        let h = load::healthz(addr, plan(args.healthz_concurrency, 0.0)).await;
        healthz_rate = h.rate();
        http_rows.push(Row::of(&h, healthz_rate));
    }
    let mut issue_figures = None;
    let mut paced = None;
    if args.wants("issue") {
        eprintln!("luot-bench: {} kiosks issuing, {secs:?}", args.kiosks);
        let k = load::kiosks(
            addr,
            &args.centre,
            &services,
            plan(args.kiosks, args.issue_rate),
            kiosk_auth.clone(),
        )
        .await;
        let mut k = k;
        k.stats.name = format!("issue ticket ({} kiosks)", args.kiosks);
        issue_figures = Some((k.stats.rate(), k.stats.ms(0.99), k.stats.errors));
        results
            .extras
            .extend(crate::stats::error_samples(&[&k.stats]));
        http_rows.push(Row::of(&k.stats, healthz_rate));
        issued.extend(k.numbers);
        let reached = k.stats.rate();
        if args.paced_share > 0.0 && args.issue_rate == 0.0 && reached > 0.0 {
            let pace = reached * args.paced_share;
            eprintln!(
                "luot-bench: {} kiosks issuing at {pace:.0}/s, {secs:?}",
                args.kiosks
            );
            let mut p = load::kiosks(
                addr,
                &args.centre,
                &services,
                plan(args.kiosks, pace),
                kiosk_auth.clone(),
            )
            .await;
            p.stats.name = format!(
                "issue ticket ({} kiosks, paced at {pace:.0}/s)",
                args.kiosks
            );
            paced = Some((pace, p.stats.ms(0.99), p.stats.ms(0.5)));
            results
                .extras
                .extend(crate::stats::error_samples(&[&p.stats]));
            http_rows.push(Row::of(&p.stats, healthz_rate));
            issued.extend(p.numbers);
        }
    }
    // (kiosk rate, kiosk p99, staff rate, staff p99, errors)
    let mut small = None;
    if args.wants("issue64") && args.small_kiosks > 0 {
        let n = args.small_kiosks;
        eprintln!("luot-bench: {n} kiosks issuing, then {n} staff sessions, {secs:?}");
        let mut figures = Vec::new();
        for (auth, who) in [
            (&kiosk_auth, "kiosks, device token"),
            (&staff_auth, "staff, bearer session"),
        ] {
            let plan = plan(n, 0.0);
            let mut k = load::kiosks(addr, &args.centre, &services, plan, auth.clone()).await;
            k.stats.name = format!("issue ticket ({n} {who})");
            figures.push((k.stats.rate(), k.stats.ms(0.99), k.stats.errors));
            results
                .extras
                .extend(crate::stats::error_samples(&[&k.stats]));
            http_rows.push(Row::of(&k.stats, healthz_rate));
            issued.extend(k.numbers);
        }
        if let [(k_rate, k_p99, k_err), (s_rate, s_p99, s_err)] = figures[..] {
            small = Some((k_rate, k_p99, s_rate, s_p99, k_err + s_err));
        }
    }
    let (mut wrk_figures, mut wrk_section) = (None, None);
    if args.wants("wrk") && args.small_kiosks > 0 {
        match (&kiosk_auth, crate::wrk::available()) {
            (Some(auth), true) => {
                let n = args.small_kiosks;
                eprintln!(
                    "luot-bench: wrk, {n} connections: /healthz, then kiosk issues, {secs:?}"
                );
                let (h, i) =
                    crate::wrk::phase(addr, &args.centre, &services, auth, n, secs).await?;
                wrk_section = Some((
                    format!("HTTP on {}, driven by wrk ({n} connections)", db.backend()),
                    vec![
                        h.row("GET /healthz (wrk)", h.rate),
                        i.row(
                            &format!("issue ticket (wrk, {n} kiosks, device token)"),
                            h.rate,
                        ),
                    ],
                ));
                wrk_figures = Some((h, i));
            }
            (None, _) => results
                .extras
                .push(("wrk".into(), "no kiosk token: not run".into())),
            (_, false) => results
                .extras
                .push(("wrk".into(), "`wrk` is not on PATH: not run".into())),
        }
    }
    let mut call_figures = None;
    if args.wants("call") {
        eprintln!(
            "luot-bench: {} counters calling and completing, {secs:?}",
            args.counters
        );
        let s = load::counters(
            addr,
            &args.centre,
            plan(args.counters.into(), args.call_rate),
            staff_auth.clone(),
            None,
        )
        .await;
        http_rows.push(Row::of(&s.call, healthz_rate));
        http_rows.push(Row::of(&s.complete, healthz_rate));
        call_figures = Some((s.call.rate(), s.call.ms(0.99), s.empty, s.call.errors));
        results.extras.push((
            "call-next answered 204 (nobody waiting)".into(),
            s.empty.to_string(),
        ));
        results
            .extras
            .extend(crate::stats::error_samples(&[&s.call, &s.complete]));
        called.extend(s.calls.into_iter().map(|(n, _, _)| n));
    }
    let booking = if args.wants("booking") && args.bookers > 0 {
        Some(
            crate::booking::phase(
                args,
                addr,
                &services,
                secs,
                healthz_rate,
                &mut http_rows,
                &mut results,
            )
            .await?,
        )
    } else {
        None
    };
    results
        .sections
        .push((format!("HTTP on {}", db.backend()), http_rows));
    results.sections.extend(wrk_section);

    let mut display_target = None;
    if args.wants("display") && args.displays > 0 {
        let auth = (kiosk_auth.clone(), staff_auth.clone());
        let d = display_phase(args, addr, &services, secs, &server, auth).await?;
        if let Some((rows, extras, target, called_here, issued_here)) = d {
            issued.extend(issued_here);
            results
                .sections
                .push(("Displays on the events websocket".into(), rows));
            results.extras.extend(extras);
            called.extend(called_here);
            display_target = Some(target);
        } else {
            results
                .extras
                .push(("displays".into(), "events websocket not available".into()));
        }
    }
    let mut idle_rss = None;
    if args.wants("idle") && args.idle_clients > 0 && events_available(addr, &args.centre).await {
        eprintln!("luot-bench: {} idle websocket clients", args.idle_clients);
        let log = Arc::new(CallLog::new(0));
        let d = ws::connect(addr, &args.centre, args.idle_clients, log, CONNECT_DEADLINE).await;
        let n = d.connected.load(std::sync::atomic::Ordering::Relaxed);
        // Let the server settle its buffers before reading its memory.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss = server.pid().and_then(|p| proc_status_bytes(p, "VmRSS"));
        results.extras.push((
            "idle websocket clients connected".into(),
            format!("{n} ({} failed)", d.failed),
        ));
        if let Some(r) = rss {
            results.extras.push((
                format!("server RSS with {n} idle websocket clients"),
                mib(r),
            ));
            idle_rss = Some((n, r));
        }
        d.finish().await;
    }

    let peak = server.pid().and_then(|p| proc_status_bytes(p, "VmHWM"));
    if let Some(p) = peak {
        results
            .extras
            .push(("server peak RSS (VmHWM)".into(), mib(p)));
    }
    server.stop().await?;
    let load_after = load_average();
    results.context.push((
        "load average (1, 5, 15 min) before / after the run".into(),
        format!("{load_before} / {load_after} (a shared machine: other work ran beside the run)"),
    ));

    results.checks.extend(verify::client_side(&issued, &called));
    if let Some(url) = db.url() {
        results.checks.extend(verify::database(url, &issued).await?);
    }

    let figures = Figures {
        healthz_rate,
        issue: issue_figures,
        paced,
        small,
        wrk: wrk_figures,
        call: call_figures,
    };
    judge(db, &figures, &mut results);
    if let Some(b) = booking {
        let exact = b
            .race
            .as_ref()
            .is_none_or(|r| r.won == r.capacity && r.stats.errors == 0);
        let race = match &b.race {
            Some(r) => format!(
                "race: {} of {} won {} places",
                r.won,
                r.won + r.full,
                r.capacity
            ),
            None => "no race".into(),
        };
        results.targets.push(Target::new(
            "booking: >= 2,000/s spread over slots; the race on one slot stays exact",
            format!(
                "{:.0}/s over {} slots, p99 {:.1} ms; {race}",
                b.rate, b.slots, b.p99
            ),
            Some(b.rate >= 2000.0 && b.errors == 0 && exact),
        ));
    }
    const DISPLAY: &str = "call-to-display p99 < 50 ms with 5,000 displays at 10 calls/s";
    results.targets.push(match display_target {
        // Met only on frames actually seen, with no display falling behind.
        Some(DisplayTarget {
            p99,
            read_p99,
            displays: n,
            frames,
            errors,
        }) => Target::new(
            DISPLAY,
            format!(
                "p99 {p99:.1} ms with {n} displays at {} calls/s ({frames} frames, {errors} errors; \
                 read by the harness's one reader thread: p99 {read_p99:.1} ms)",
                args.display_call_rate
            ),
            Some(
                p99 < 50.0
                    && n >= 5000
                    && args.display_call_rate >= 10.0
                    && frames > 0
                    && errors == 0,
            ),
        ),
        None => Target::new(DISPLAY, "-".into(), None),
    });
    results.targets.push(match idle_rss {
        Some((n, r)) => Target::new(
            "10,000 idle websocket clients under 200 MB server RSS",
            format!("{} with {n} clients", mib(r)),
            Some(n >= 10_000 && r < 200 * 1000 * 1000),
        ),
        None => Target::new(
            "10,000 idle websocket clients under 200 MB server RSS",
            "-".into(),
            None,
        ),
    });
    let ok = results.checks.iter().all(|c| c.ok);
    println!("{}", results.body());
    if let Some(path) = &args.write_report {
        let command = std::env::args().skip(1).fold(
            "cargo build --release -p luot-server -p luot-bench\ntarget/release/luot-bench"
                .to_owned(),
            |a, s| a + " " + &s,
        );
        let md = report::markdown(&Machine::detect(), &command, METHOD, &results, ANALYSIS);
        std::fs::write(path, md).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("luot-bench: wrote {}", path.display());
    }
    Ok(ok)
}

/// How long connecting all websocket clients may take.
const CONNECT_DEADLINE: Duration = Duration::from_secs(60);

/// Whether the server has the events websocket (it came later than the REST API).
async fn events_available(addr: std::net::SocketAddr, centre: &str) -> bool {
    let probe = ws::connect(addr, centre, 1, Arc::new(CallLog::new(0)), CONNECT_DEADLINE).await;
    let ok = probe.failed == 0;
    probe.finish().await;
    ok
}

type DisplayFigures = (
    Vec<Row>,
    Vec<(String, String)>,
    DisplayTarget,
    Vec<String>,
    Vec<String>,
);

/// What the display target is judged on.
struct DisplayTarget {
    /// Call to frame at the display's socket.
    p99: f64,
    /// Call to frame read by the harness's reader thread.
    read_p99: f64,
    displays: usize,
    frames: u64,
    errors: u64,
}

/// Displays watch while counters call at a modest rate and kiosks issue; `None`
/// when the server has no events websocket.
async fn display_phase(
    args: &RunArgs,
    addr: std::net::SocketAddr,
    services: &[String],
    secs: Duration,
    server: &Server,
    (kiosk_auth, staff_auth): (Option<String>, Option<String>),
) -> anyhow::Result<Option<DisplayFigures>> {
    let log = Arc::new(CallLog::new(args.counters));
    if !events_available(addr, &args.centre).await {
        return Ok(None);
    }
    eprintln!("luot-bench: connecting {} displays", args.displays);
    let started = std::time::Instant::now();
    let displays = ws::connect(
        addr,
        &args.centre,
        args.displays,
        log.clone(),
        CONNECT_DEADLINE,
    )
    .await;
    let connect_secs = started.elapsed().as_secs_f64();
    let n = displays
        .connected
        .load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "luot-bench: {n} displays connected in {connect_secs:.1} s; counters call at {}/s, kiosks issue at {}/s, {secs:?}",
        args.display_call_rate, args.display_issue_rate
    );
    let rss_connected = server.pid().and_then(|p| proc_status_bytes(p, "VmRSS"));
    let plan = |workers: usize, rate: f64| Plan {
        workers,
        duration: secs,
        rate,
        max_ops: args.max_ops,
    };
    // Rate 0 here means no kiosks (not flat out): every issue event also goes
    // to every display.
    let kiosk_plan = plan(8, args.display_issue_rate);
    let kiosks = async {
        if kiosk_plan.rate > 0.0 {
            load::kiosks(addr, &args.centre, services, kiosk_plan, kiosk_auth).await
        } else {
            load::Issued {
                stats: crate::stats::OpStats::new("issue ticket"),
                numbers: Vec::new(),
            }
        }
    };
    let counters = load::counters(
        addr,
        &args.centre,
        plan(args.counters.into(), args.display_call_rate),
        staff_auth,
        Some(log.clone()),
    );
    let (k, c) = tokio::join!(kiosks, counters);
    // Let the last announcements arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ws::Latency {
        arrived: mut latency,
        mut read,
    } = displays.finish().await;
    latency.elapsed = c.call.elapsed;
    read.elapsed = c.call.elapsed;
    let p99 = latency.ms(0.99);
    let mut rows = vec![
        Row::of(&k.stats, 0.0),
        Row::of(&c.call, 0.0),
        Row::of(&latency, 0.0),
        Row::of(&read, 0.0),
    ];
    // Frames, not requests: no rate.
    rows[2].rate = 0.0;
    rows[3].rate = 0.0;
    let mut extras = vec![
        (
            "displays connected".into(),
            format!("{n} of {} (in {connect_secs:.1} s)", args.displays),
        ),
        (
            "display frames received with a call".into(),
            latency.count().to_string(),
        ),
    ];
    if let Some(r) = rss_connected {
        extras.push((format!("server RSS with {n} displays connected"), mib(r)));
    }
    let called: Vec<String> = c.calls.into_iter().map(|(num, _, _)| num).collect();
    let figures = DisplayTarget {
        p99,
        read_p99: read.ms(0.99),
        displays: n,
        frames: latency.count(),
        errors: latency.errors,
    };
    Ok(Some((rows, extras, figures, called, k.numbers)))
}

/// What the HTTP phases measured, for the targets.
struct Figures {
    healthz_rate: f64,
    /// Flat out: (rate, p99, errors).
    issue: Option<(f64, f64, u64)>,
    /// Paced: (rate, p99, p50).
    paced: Option<(f64, f64, f64)>,
    /// 64 kiosks, then 64 staff: (kiosk rate, kiosk p99, staff rate, staff p99, errors).
    small: Option<(f64, f64, f64, f64, u64)>,
    /// `wrk`: (`/healthz`, kiosk-token issues).
    wrk: Option<(crate::wrk::WrkRun, crate::wrk::WrkRun)>,
    /// Call-next: (rate, p99, answered 204, errors).
    call: Option<(f64, f64, u64, u64)>,
}

/// The targets of issue 16 (and issue 8's that still stand) this run measured.
fn judge(db: &Db, f: &Figures, results: &mut Results) {
    let ratio = |rate: f64| {
        if f.healthz_rate > 0.0 {
            rate / f.healthz_rate
        } else {
            0.0
        }
    };
    let t = &mut results.targets;
    match (f.issue, db) {
        (Some((rate, p99, errors)), Db::Postgres { .. }) => t.push(Target::new(
            "PostgreSQL: >= 8,000 tickets/s",
            format!(
                "{rate:.0}/s, p99 {p99:.1} ms, {:.0}% of /healthz",
                ratio(rate) * 100.0
            ),
            Some(rate >= 8000.0 && errors == 0),
        )),
        (Some((rate, p99, errors)), _) => t.push(Target::new(
            "SQLite: durable ticket issue >= 10,000/s flat out, >= 40% of /healthz",
            format!(
                "{rate:.0}/s, p99 {p99:.1} ms, {:.0}% of /healthz",
                ratio(rate) * 100.0
            ),
            Some(rate >= 10_000.0 && ratio(rate) >= 0.40 && errors == 0),
        )),
        (None, _) => {}
    }
    if let Some((rate, p99, p50)) = f.paced {
        t.push(Target::new(
            "paced at half the flat-out rate: p99 < 10 ms",
            format!("at {rate:.0}/s: p99 {p99:.1} ms, p50 {p50:.1} ms"),
            Some(p99 < 10.0),
        ));
    }
    if let Some((k_rate, k_p99, s_rate, s_p99, errors)) = f.small {
        t.push(Target::new(
            "64 kiosks: p99 < 20 ms",
            format!(
                "{k_rate:.0}/s ({:.0}% of /healthz), p99 {k_p99:.1} ms",
                ratio(k_rate) * 100.0
            ),
            Some(k_p99 < 20.0 && errors == 0),
        ));
        let gap = if k_rate > 0.0 {
            (k_rate - s_rate) / k_rate
        } else {
            1.0
        };
        t.push(Target::new(
            "staff session within 10% of a kiosk token (64 each)",
            format!(
                "staff {s_rate:.0}/s (p99 {s_p99:.1} ms) vs kiosk {k_rate:.0}/s: {:+.0}%",
                -gap * 100.0
            ),
            Some(gap <= 0.10 && errors == 0),
        ));
    }
    if let Some((h, i)) = &f.wrk {
        let share = if h.rate > 0.0 { i.rate / h.rate } else { 0.0 };
        t.push(Target::new(
            "wrk, 64 connections, kiosk token: >= 40% of wrk's /healthz, p99 < 20 ms",
            format!(
                "{:.0}/s, {:.0}% of {:.0}/s, p99 {:.1} ms, {} errors",
                i.rate,
                share * 100.0,
                h.rate,
                i.p99_ms,
                i.errors
            ),
            Some(share >= 0.40 && i.p99_ms < 20.0 && i.errors == 0),
        ));
    }
    if let Some((rate, p99, empty, errors)) = f.call {
        t.push(Target::new(
            "call-next >= 3,000/s",
            format!("{rate:.0}/s, p99 {p99:.1} ms ({empty} answered 204)"),
            Some(rate >= 3000.0 && errors == 0),
        ));
    }
}
