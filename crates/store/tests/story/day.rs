//! The day boundary on both backends: tickets still waiting, transferred or
//! called when the centre closes are expired (stamped with the closing time),
//! leave their counter and the queue, count in the report, and are never
//! called the next day; a ticket being served is left alone; a checked-in
//! appointment waiting expires like a walk-in.

use jiff::{SignedDuration, Timestamp};
use luot_domain::{EventKind, ReportRange, TicketStatus};
use luot_store::*;

use crate::booking::{book_cmd, centre_with_capacity, phone, ten};
use crate::harness::*;

fn at(counter_no: i64, now: Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(counter_no),
        actor: format!("staff:quay{counter_no}"),
        now,
        audit: None,
    }
}

/// 17:00 local on Thursday 26 November 2026: the small centre closes.
fn closing() -> Timestamp {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn the_day_ends_at_closing_and_nothing_waits_into_the_next() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        // A booking checked in (its ticket waits), three walk-ins.
        let booked = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        let appointment = s
            .check_in(CheckIn {
                within: None,
                by: CheckInBy::Code(booked.code.clone()),
                actor: "kiosk:1".into(),
                refuse_repeat: false,
                print_on: None,
                now: ten() - SignedDuration::from_mins(10),
                audit: None,
            })
            .await
            .unwrap()
            .ticket;
        let t1 = s.issue_ticket(walk_in("A", morning())).await.unwrap();
        let t2 = s.issue_ticket(walk_in("A", morning())).await.unwrap();
        let t3 = s.issue_ticket(walk_in("B", morning())).await.unwrap();
        // Afternoon: counter 1 calls the appointment, counter 2 calls and
        // starts the first walk-in; two walk-ins still wait.
        let afternoon = closing() - SignedDuration::from_mins(30);
        let first = s.call_next(at(1, afternoon)).await.unwrap();
        assert_eq!(
            first.ticket.unwrap().channel,
            luot_domain::Channel::Appointment
        );
        let second = s.call_next(at(2, afternoon)).await.unwrap().ticket.unwrap();
        assert_eq!(second.number, t1.number);
        s.start(at(2, afternoon)).await.unwrap();

        // Before closing nothing expires.
        let before = closing() - SignedDuration::from_secs(1);
        assert_eq!(
            s.expire_tickets(before, true).await.unwrap(),
            0,
            "{}",
            b.name
        );
        // At closing: the called appointment and the two waiting walk-ins.
        let later = closing() + SignedDuration::from_mins(3);
        assert_eq!(
            s.expire_tickets(later, true).await.unwrap(),
            3,
            "{}",
            b.name
        );
        assert_eq!(
            s.expire_tickets(later, true).await.unwrap(),
            0,
            "{}",
            b.name
        );
        let mut expired = Vec::new();
        for e in s.events_after(&centre_code(), 0, 1000).await.unwrap() {
            if let EventKind::TicketExpired {
                number, counter, ..
            } = e.kind
            {
                expired.push((number, counter.map(|c| c.get())));
            }
        }
        expired.sort();
        let mut want = vec![
            (t2.number.clone(), None),
            (t3.number.clone(), None),
            (appointment.number.clone(), Some(1)),
        ];
        want.sort();
        assert_eq!(expired, want, "{}", b.name);

        for t in [&t2, &t3] {
            let v = s.ticket_by_token(&t.token, later).await.unwrap();
            assert_eq!(v.status, TicketStatus::Expired, "{}", b.name);
            // Stamped with the moment the day ended, not when we noticed.
            assert_eq!(v.finished_at, Some(closing()), "{}", b.name);
        }
        // Served tickets are left alone; counter 1 no longer holds a ticket.
        let served = s.ticket_by_token(&t1.token, later).await.unwrap();
        assert_eq!(served.status, TicketStatus::Serving);
        let q = s.queue(&centre_code(), later).await.unwrap();
        assert!(q.waiting.is_empty(), "{}: {:?}", b.name, q.waiting);
        let k1 = q.counters.iter().find(|k| k.number.get() == 1).unwrap();
        assert!(k1.current.is_none(), "{}", b.name);

        // The next morning nothing is called, and the report counts them.
        let friday = morning() + SignedDuration::from_hours(24);
        assert!(s.call_next(at(1, friday)).await.unwrap().ticket.is_none());
        let day = luot_domain::service_day(
            morning(),
            &jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap(),
        );
        let report = s
            .report(&centre_code(), ReportRange::new(day, day).unwrap())
            .await
            .unwrap();
        let expired: u32 = report.rows.iter().map(|r| r.expired).sum();
        assert_eq!(expired, 3, "{}", b.name);
    }
}

#[tokio::test]
async fn a_server_down_over_the_boundary_catches_up_and_a_day_without_hours_ends_at_midnight() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let t = s.issue_ticket(walk_in("A", morning())).await.unwrap();
        // Three days later (a restart): expired, stamped with Thursday's closing.
        let monday = morning() + SignedDuration::from_hours(96);
        assert_eq!(s.expire_tickets(monday, true).await.unwrap(), 1);
        let v = s.ticket_by_token(&t.token, monday).await.unwrap();
        assert_eq!(
            (v.status, v.finished_at),
            (TicketStatus::Expired, Some(closing()))
        );

        // `--always-open`: the day runs to local midnight.
        let t = s.issue_ticket(walk_in("A", monday)).await.unwrap();
        let evening = monday + SignedDuration::from_hours(12); // 21:00 local
        assert_eq!(
            s.expire_tickets(evening, false).await.unwrap(),
            0,
            "{}",
            b.name
        );
        let midnight = monday + SignedDuration::from_hours(15);
        assert_eq!(
            s.expire_tickets(midnight, false).await.unwrap(),
            1,
            "{}",
            b.name
        );
        let v = s.ticket_by_token(&t.token, midnight).await.unwrap();
        assert_eq!(v.finished_at, Some(midnight), "{}", b.name);
    }
}

#[tokio::test]
async fn walk_in_issuing_keeps_hours_and_holidays_and_says_when_it_opens() {
    for b in backends().await {
        let s = b.store.as_ref();
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let opens = |e: Error| match e {
            Error::Rule(luot_domain::Error::Closed { opens_at }) => opens_at.map(|z| z.timestamp()),
            other => panic!("expected closed, got {other:?}"),
        };
        // Saturday 28/11 09:00: closed, opens Monday 30/11 07:00.
        let saturday = morning() + SignedDuration::from_hours(48);
        let monday_7: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let e = s.issue_ticket(walk_in("A", saturday)).await.unwrap_err();
        assert_eq!(opens(e), Some(monday_7), "{}", b.name);
        // Monday is a holiday: Tuesday 07:00, and Monday itself is closed.
        s.set_holidays(
            &centre_code(),
            vec![Holiday {
                date: "2026-11-30".parse().unwrap(),
                name: "Nghỉ bù".into(),
            }],
        )
        .await
        .unwrap();
        let e = s.issue_ticket(walk_in("A", saturday)).await.unwrap_err();
        assert_eq!(
            opens(e),
            Some(monday_7 + SignedDuration::from_hours(24)),
            "{}",
            b.name
        );
        let monday_9 = monday_7 + SignedDuration::from_hours(2);
        assert!(
            s.issue_ticket(walk_in("A", monday_9)).await.is_err(),
            "{}",
            b.name
        );
        let services = s.services(&centre_code(), monday_9).await.unwrap();
        assert!(
            !services[0].open_now && !services[0].accepting,
            "{}",
            b.name
        );
        assert_eq!(
            services[0].opens_at,
            Some(monday_7 + SignedDuration::from_hours(24))
        );
        // `--always-open` lifts both.
        let mut any = walk_in("A", monday_9);
        any.any_hour = true;
        assert_eq!(
            s.issue_ticket(any).await.unwrap().number,
            "A001",
            "{}",
            b.name
        );
        // Tuesday morning: open again.
        let tuesday_9 = monday_9 + SignedDuration::from_hours(24);
        assert_eq!(
            s.issue_ticket(walk_in("A", tuesday_9))
                .await
                .unwrap()
                .number,
            "A001"
        );
    }
}
