//! Fresh databases per test on each backend, and a small centre to run on.

use std::sync::Arc;

use jiff::Timestamp;
use luot_domain::*;
use luot_store::{CentreSetup, IssueTicket, Store};

/// A fresh store on one backend; keeps its temp dir or database alive.
pub struct Fresh {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// One fresh store per available backend. PostgreSQL joins when
/// `LUOT_TEST_PG_URL` is set (CI always sets it); otherwise the reason is printed.
pub async fn backends() -> Vec<Fresh> {
    let mut out = vec![sqlite().await];
    if let Some(url) = pg_url("PostgreSQL") {
        out.push(postgres(&url).await);
    }
    out
}

/// `LUOT_TEST_PG_URL`, or None with the reason printed: the test then skips
/// its PostgreSQL part. Under CI (`CI` set) a missing URL fails instead, so
/// CI can never pass without having run them. (A set but unreachable URL fails
/// in [`postgres`].)
pub fn pg_url(what: &str) -> Option<String> {
    match std::env::var("LUOT_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) => {
            panic!("CI is set but LUOT_TEST_PG_URL is not: {what} cannot be skipped in CI")
        }
        _ => {
            eprintln!("skipping {what}: LUOT_TEST_PG_URL is not set");
            None
        }
    }
}

pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("store.db").display());
    let store = luot_store::connect(&url, Default::default()).await.unwrap();
    Fresh {
        name: "sqlite",
        store,
        url,
        _dir: Some(dir),
    }
}

/// Creates a uniquely named database next to the one in `admin_url` and
/// connects to it. The run's databases are left behind for inspection; the
/// next run drops them (luot_store::testing).
pub async fn postgres(admin_url: &str) -> Fresh {
    let url = luot_store::testing::fresh_pg_database(admin_url, "luot_t").await;
    let store = luot_store::connect(&url, Default::default()).await.unwrap();
    Fresh {
        name: "postgres",
        store,
        url,
        _dir: None,
    }
}

/// Thursday 26 November 2026, 09:00 in Viet Nam.
pub fn morning() -> Timestamp {
    "2026-11-26T02:00:00Z".parse().unwrap()
}

pub fn code(s: &str) -> ServiceCode {
    ServiceCode::parse(s).unwrap()
}

pub fn counter(n: i64) -> CounterNumber {
    CounterNumber::new(n).unwrap()
}

pub fn centre_code() -> CentreCode {
    CentreCode::parse("thu-nghiem").unwrap()
}

/// A plain walk-in ticket of `service` from a kiosk, issued at `now`.
pub fn walk_in(service: &str, now: Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "kiosk:1".into(),
        idempotency_key: None,
        print_on: None,
        now,
        audit: None,
        any_hour: false,
    }
}

/// A centre with services A and B and counters 1..=n, each serving A then B.
pub fn small_centre(counters: i64) -> CentreSetup {
    let service = |c: &str, p: &str| Service {
        code: code(c),
        prefix: TicketPrefix::parse(p).unwrap(),
        name: format!("Lĩnh vực {c}"),
        name_en: format!("Service {c}"),
        start_number: 1,
        daily_cap: None,
        mean_service_minutes: 10,
        hours: None,
        active: true,
        examples: vec![],
        note: String::new(),
        short_name: String::new(),
        short_name_en: String::new(),
        target_wait_minutes: None,
        target_service_minutes: None,
    };
    CentreSetup {
        centre: Centre {
            code: centre_code(),
            name: "Trung tâm thử nghiệm".into(),
            name_en: "Test centre".into(),
            address: String::new(),
            hotline: String::new(),
            timezone: "Asia/Ho_Chi_Minh".into(),
            hours: OpeningHours::default(),
            priority_classes: default_priority_classes(),
            announcement_vi: "Xin mời công dân số {number} đến quầy số {counter}".into(),
            announcement_en: "Number {number}, please go to counter {counter}".into(),
            no_show_after_recalls: 1,
            remote_tickets: false,
            enforce_hours: true,
            ticket_header: String::new(),
            ticket_footer: String::new(),
            data_retention_days: 730,
            dossier_pattern: None,
            evaluation_url_template: None,
            call_next_unstarted: Default::default(),
            print_documents: false,
        },
        services: vec![service("A", "A"), service("B", "1")],
        counters: (1..=counters)
            .map(|n| Counter {
                number: counter(n),
                name: format!("Quầy {n}"),
                serves: vec![code("A"), code("B")],
                state: CounterState::Open,
            })
            .collect(),
    }
}
