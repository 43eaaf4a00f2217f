//! Kiosk print jobs and kiosk health on both backends: a kiosk's walk-in and
//! check-in tickets get a print job in their own transaction; acknowledgements,
//! failures and reports keep one health row per kiosk.

use jiff::{SignedDuration, Timestamp};
use luot_domain::Channel;
use luot_store::*;

use crate::harness::*;

const KIOSK: i64 = 7;

fn issue(print_on: Option<i64>) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code("A"),
        priority: None,
        channel: Channel::Kiosk,
        actor: "kiosk:7".into(),
        idempotency_key: None,
        print_on,
        now: morning(),
        audit: None,
        any_hour: false,
    }
}

fn later(mins: i64) -> Timestamp {
    morning() + SignedDuration::from_mins(mins)
}

async fn health(s: &dyn Store) -> KioskHealth {
    let mut h = s.kiosk_health(&[KIOSK]).await.unwrap();
    assert_eq!(h.len(), 1);
    h.pop().unwrap()
}

#[tokio::test]
async fn acks_failures_and_reports_keep_one_health_row() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let t = s.issue_ticket(issue(Some(KIOSK))).await.unwrap();
        let jobs = s.pending_print_jobs(KIOSK, 0).await.unwrap();
        assert_eq!(jobs.len(), 1, "{}", b.name);
        assert_eq!(jobs[0].ticket_token, t.token);
        let job = jobs[0].id;
        assert!(s.kiosk_health(&[KIOSK]).await.unwrap().is_empty());

        // A failure before any report creates the row with the reason.
        s.fail_print_job(KIOSK, job, "paper out", later(1))
            .await
            .unwrap();
        let h = health(s).await;
        assert_eq!(
            (h.connected, h.printer.as_str(), h.last_seen),
            (false, "unknown", later(1)),
            "{}",
            b.name
        );
        assert_eq!(h.last_error.as_deref(), Some("paper out"));
        assert_eq!((h.last_job_id, h.pending_jobs), (None, 1));
        assert_eq!(s.pending_print_jobs(KIOSK, 0).await.unwrap()[0].attempts, 1);

        // A report sets what it names and keeps the rest.
        let hello = KioskReport {
            connected: true,
            printer: Some("paper_low".into()),
            paper: Some("58".into()),
            version: Some("0.1.0".into()),
            error: None,
        };
        s.report_kiosk(KIOSK, hello, later(2)).await.unwrap();
        let status = KioskReport {
            connected: true,
            printer: Some("ok".into()),
            ..Default::default()
        };
        s.report_kiosk(KIOSK, status, later(3)).await.unwrap();
        let h = health(s).await;
        assert_eq!(
            (h.connected, h.printer.as_str(), h.paper.as_deref()),
            (true, "ok", Some("58")),
            "{}",
            b.name
        );
        assert_eq!(
            (h.version.as_deref(), h.last_error.as_deref(), h.last_seen),
            (Some("0.1.0"), Some("paper out"), later(3))
        );

        // The ack clears the error and records the job; a repeat changes nothing
        // but the time last seen; another kiosk's ack is refused.
        s.ack_print_job(KIOSK, job, later(4)).await.unwrap();
        s.ack_print_job(KIOSK, job, later(5)).await.unwrap();
        let h = health(s).await;
        assert_eq!(
            (h.last_job_id, h.last_error, h.pending_jobs, h.last_seen),
            (Some(job), None, 0, later(5)),
            "{}",
            b.name
        );
        assert_eq!(h.printer, "ok");
        assert!(matches!(
            s.ack_print_job(KIOSK + 1, job, later(6)).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            s.fail_print_job(KIOSK + 1, job, "x", later(6)).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            s.ack_print_job(KIOSK, job + 100, later(6)).await,
            Err(Error::NotFound(_))
        ));
        assert!(s.kiosk_health(&[KIOSK + 1]).await.unwrap().is_empty());

        // Disconnecting keeps the printer state; an ack arrives first on a
        // fresh row too.
        let gone = KioskReport::default();
        s.report_kiosk(KIOSK, gone, later(7)).await.unwrap();
        let h = health(s).await;
        assert_eq!((h.connected, h.printer.as_str()), (false, "ok"));
        let other = s.issue_ticket(issue(Some(KIOSK + 2))).await.unwrap();
        let job2 = s.pending_print_jobs(KIOSK + 2, 0).await.unwrap()[0].id;
        assert_eq!(
            s.pending_print_jobs(KIOSK + 2, 0).await.unwrap()[0].ticket_token,
            other.token
        );
        s.ack_print_job(KIOSK + 2, job2, later(8)).await.unwrap();
        let h = s.kiosk_health(&[KIOSK + 2]).await.unwrap().pop().unwrap();
        assert_eq!(
            (h.connected, h.printer.as_str(), h.last_job_id),
            (false, "unknown", Some(job2))
        );
        // A ticket issued without a kiosk is printed nowhere.
        s.issue_ticket(issue(None)).await.unwrap();
        assert!(s.pending_print_jobs(KIOSK, 0).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_kiosk_check_in_prints_its_ticket_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let settings = luot_domain::BookingSettings {
            capacity: 3,
            ..Default::default()
        };
        s.set_booking_settings(&centre_code(), &code("A"), settings, None)
            .await
            .unwrap();
        let slot: Timestamp = "2026-11-26T03:00:00Z".parse().unwrap();
        let book = |n: u32| Book {
            centre: centre_code(),
            service: code("A"),
            slot_start: slot,
            name: "Nguyễn Văn An".into(),
            phone: luot_domain::Phone::parse(&format!("09{n:08}")).unwrap(),
            id_number: None,
            consent_version: luot_domain::booking::CONSENT.version.into(),
            consent_text: luot_domain::booking::CONSENT.vi.into(),
            reminder_consent_version: Some(luot_domain::booking::REMINDER_CONSENT.version.into()),
            now: morning(),
        };
        let at_kiosk = s.book(book(1)).await.unwrap();
        let at_counter = s.book(book(2)).await.unwrap();
        let check_in = |code: &luot_domain::BookingCode, print_on| CheckIn {
            by: CheckInBy::Code(code.clone()),
            within: Some(centre_code()),
            actor: "kiosk:7".into(),
            refuse_repeat: false,
            print_on,
            now: slot - SignedDuration::from_mins(10),
            audit: None,
        };
        let out = s
            .check_in(check_in(&at_kiosk.code, Some(KIOSK)))
            .await
            .unwrap();
        assert!(out.new);
        let jobs = s.pending_print_jobs(KIOSK, 0).await.unwrap();
        assert_eq!(jobs.len(), 1, "{}", b.name);
        assert_eq!(jobs[0].ticket_token, out.ticket.token);
        // A second scan shows the same ticket and prints nothing more.
        let again = s
            .check_in(check_in(&at_kiosk.code, Some(KIOSK)))
            .await
            .unwrap();
        assert!(!again.new);
        assert_eq!(s.pending_print_jobs(KIOSK, 0).await.unwrap().len(), 1);
        // Checked in by staff (no kiosk): no print job.
        s.check_in(check_in(&at_counter.code, None)).await.unwrap();
        assert_eq!(s.pending_print_jobs(KIOSK, 0).await.unwrap().len(), 1);
        // A refused check-in leaves no job behind.
        let too_late = CheckIn {
            now: slot + SignedDuration::from_mins(20),
            ..check_in(&s.book(book(3)).await.unwrap().code, Some(KIOSK))
        };
        assert!(s.check_in(too_late).await.is_err());
        assert_eq!(s.pending_print_jobs(KIOSK, 0).await.unwrap().len(), 1);
    }
}

/// The kiosk's own reprint: only for a job whose print went wrong, one copy
/// (whoever made a copy first), only of the kiosk's own original job.
#[tokio::test]
async fn a_kiosk_reprints_a_failed_ticket_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let t = s.issue_ticket(issue(Some(KIOSK))).await.unwrap();
        let (job, device, made) = s.job_of_ticket(&t.token).await.unwrap().unwrap();
        assert_eq!((device, made), (KIOSK, morning()), "{}", b.name);
        let once = |id| s.reprint_job_once(KIOSK, id, later(1), None);
        let conflict = |r: Result<i64>| match r {
            Err(Error::Conflict(c)) => c,
            other => panic!("{}: {other:?}", b.name),
        };
        // Still printing: nothing to reprint.
        assert_eq!(conflict(once(job).await), Conflict::ReprintNotNeeded);
        s.finish_print_job(KIOSK, job, "unknown", "no answer", later(1))
            .await
            .unwrap();
        // Another kiosk's job is not found.
        assert!(matches!(
            s.reprint_job_once(KIOSK + 1, job, later(1), None).await,
            Err(Error::NotFound(_))
        ));
        let copy = once(job).await.unwrap();
        assert_ne!(copy, job);
        let pending = s.pending_print_jobs(KIOSK, 0).await.unwrap();
        assert_eq!(pending.len(), 1, "{}", b.name);
        assert_eq!((pending[0].id, pending[0].reprint_of), (copy, Some(job)));
        assert_eq!(conflict(once(job).await), Conflict::ReprintUsed);
        // A copy is not an original: no copy of a copy from the kiosk.
        s.finish_print_job(KIOSK, copy, "failed", "paper out", later(1))
            .await
            .unwrap();
        assert!(matches!(once(copy).await, Err(Error::NotFound(_))));
        // The first job of the ticket stays its original.
        assert_eq!(s.job_of_ticket(&t.token).await.unwrap().unwrap().0, job);

        // Printed: not needed; after a staff copy: used.
        let printed = s.issue_ticket(issue(Some(KIOSK))).await.unwrap();
        let (printed, ..) = s.job_of_ticket(&printed.token).await.unwrap().unwrap();
        s.ack_print_job(KIOSK, printed, later(1)).await.unwrap();
        assert_eq!(conflict(once(printed).await), Conflict::ReprintNotNeeded);
        let failed = s.issue_ticket(issue(Some(KIOSK))).await.unwrap();
        let (failed, ..) = s.job_of_ticket(&failed.token).await.unwrap().unwrap();
        s.finish_print_job(KIOSK, failed, "failed", "cover open", later(1))
            .await
            .unwrap();
        s.reprint_job(KIOSK, failed, later(1), None).await.unwrap();
        assert_eq!(conflict(once(failed).await), Conflict::ReprintUsed);
    }
}

#[tokio::test]
async fn one_centre_by_code_and_its_logo_version() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let one = s.centre(&centre_code()).await.unwrap();
        assert_eq!(one, s.centres().await.unwrap()[0], "{}", b.name);
        let unknown = luot_domain::CentreCode::parse("khong-co").unwrap();
        assert!(matches!(s.centre(&unknown).await, Err(Error::NotFound(_))));
        assert!(matches!(
            s.logo_version(&unknown).await,
            Err(Error::NotFound(_))
        ));

        // Every upload and removal gives a version never seen before, even at
        // the same instant (a removed logo's successor is a new version).
        let ctx = || AdminCtx {
            centre: centre_code(),
            actor: "staff:admin".into(),
            now: morning(),
            audit: None,
        };
        assert_eq!(s.logo_version(&centre_code()).await.unwrap(), None);
        let mut seen = Vec::new();
        for png in [Some(vec![1u8]), Some(vec![2]), None, Some(vec![1])] {
            s.set_logo(ctx(), png.clone()).await.unwrap();
            let v = s.logo_version(&centre_code()).await.unwrap();
            assert_eq!(v.is_some(), png.is_some(), "{}", b.name);
            if let Some(v) = v {
                assert!(!seen.contains(&v), "version {v} repeated");
                seen.push(v);
            }
        }
        assert_eq!(s.logo(&centre_code()).await.unwrap(), Some(vec![1]));
    }
}
