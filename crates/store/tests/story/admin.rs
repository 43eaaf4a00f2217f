//! Administration through the store: changes take effect on the next command,
//! every change announces `ConfigChanged`, and numbering never repeats in a day.

use jiff::{civil::Time, SignedDuration, Timestamp};
use luot_domain::{Channel, Counter, CounterState, EventKind, OpeningHours, Weekday};
use luot_store::{AdminCtx, Conflict, CounterRef, Error, Holiday, IssueTicket, ServiceConfig};

use crate::harness::*;

fn ctx(now: Timestamp) -> AdminCtx {
    AdminCtx {
        centre: centre_code(),
        actor: "staff:admin".into(),
        now,
        audit: None,
    }
}

fn issue(service: &str, at: Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code(service),
        priority: None,
        channel: Channel::Kiosk,
        actor: "test".into(),
        idempotency_key: None,
        print_on: None,
        now: at,
        audit: None,
        any_hour: false,
    }
}

fn at_counter(n: i64, now: Timestamp) -> CounterRef {
    CounterRef {
        centre: centre_code(),
        counter: counter(n),
        actor: "staff:test".into(),
        now,
        audit: None,
    }
}

fn conflict<T: std::fmt::Debug>(r: luot_store::Result<T>) -> Conflict {
    match r {
        Err(Error::Conflict(c)) => c,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn service_cfg(s: &dyn luot_store::Store, code_: &str) -> ServiceConfig {
    s.admin_config(&centre_code())
        .await
        .unwrap()
        .services
        .into_iter()
        .find(|x| x.service.code.as_str() == code_)
        .unwrap()
}

#[tokio::test]
async fn service_hours_change_takes_effect_and_is_announced() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let mut rx = s.subscribe();
        // 09:00: open. Move A to afternoons only; the next ticket is refused.
        let mut a = service_cfg(s.as_ref(), "A").await;
        a.service.hours = Some(OpeningHours {
            sessions: vec![(Time::constant(13, 0, 0, 0), Time::constant(16, 0, 0, 0))],
            working_days: vec![Weekday::Thu],
        });
        s.update_service(ctx(morning()), code("A"), a.clone())
            .await
            .unwrap();
        let e = rx.recv().await.unwrap();
        assert_eq!(e.kind, EventKind::ConfigChanged, "{}", b.name);
        let refused = s.issue_ticket(issue("A", morning())).await.unwrap_err();
        assert!(
            matches!(refused, Error::Rule(luot_domain::Error::Closed { .. })),
            "{}: {refused:?}",
            b.name
        );
        // B keeps the centre's hours.
        s.issue_ticket(issue("B", morning())).await.unwrap();
        let afternoon = morning() + SignedDuration::from_hours(5);
        s.issue_ticket(issue("A", afternoon)).await.unwrap();
        let services = s.services(&centre_code(), morning()).await.unwrap();
        assert!(!services[0].open_now && !services[0].accepting);
        assert!(services[1].accepting);

        // Invalid hours are refused before anything is written.
        a.service.hours = Some(OpeningHours {
            sessions: vec![(Time::constant(16, 0, 0, 0), Time::constant(13, 0, 0, 0))],
            working_days: vec![Weekday::Thu],
        });
        let e = s
            .update_service(ctx(morning()), code("A"), a)
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            Error::Rule(luot_domain::Error::Invalid { field: "hours", .. })
        ));
    }
}

#[tokio::test]
async fn a_counters_list_decides_what_it_calls() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        s.issue_ticket(issue("A", morning())).await.unwrap();
        s.issue_ticket(issue("B", morning())).await.unwrap();
        let k = Counter {
            number: counter(1),
            name: "Quầy 1 - Chứng thực".into(),
            serves: vec![code("B")],
            state: CounterState::Open,
        };
        s.update_counter(ctx(morning()), counter(1), k.clone())
            .await
            .unwrap();
        let t = morning() + SignedDuration::from_mins(1);
        let called = s.call_next(at_counter(1, t)).await.unwrap().ticket.unwrap();
        assert_eq!(
            called.number, "1001",
            "{}: A001 is no longer served here",
            b.name
        );
        let cfg = s.admin_config(&centre_code()).await.unwrap();
        assert_eq!(cfg.counters[0].serves, vec![code("B")]);
        assert_eq!(cfg.counters[0].name, "Quầy 1 - Chứng thực");

        // Unknown services and duplicates are refused.
        let bad = Counter {
            serves: vec![code("B"), code("Z")],
            ..k.clone()
        };
        assert_eq!(
            conflict(s.update_counter(ctx(t), counter(1), bad).await),
            Conflict::UnknownService
        );
        let twice = Counter {
            serves: vec![code("B"), code("B")],
            ..k.clone()
        };
        assert!(s.update_counter(ctx(t), counter(1), twice).await.is_err());

        // A new counter serves at once; one that called tickets cannot be deleted.
        let k2 = Counter {
            number: counter(2),
            name: "Quầy 2".into(),
            serves: vec![code("A")],
            state: CounterState::Open,
        };
        s.create_counter(ctx(t), k2.clone()).await.unwrap();
        assert_eq!(
            conflict(s.create_counter(ctx(t), k2).await),
            Conflict::CounterNumberTaken
        );
        let a1 = s.call_next(at_counter(2, t)).await.unwrap().ticket.unwrap();
        assert_eq!(a1.number, "A001");
        assert_eq!(
            conflict(s.delete_counter(ctx(t), counter(2)).await),
            Conflict::InUse
        );
        let k3 = Counter {
            number: counter(3),
            name: "Quầy 3".into(),
            serves: vec![],
            state: CounterState::Closed,
        };
        s.create_counter(ctx(t), k3).await.unwrap();
        s.delete_counter(ctx(t), counter(3)).await.unwrap();
        assert_eq!(
            s.admin_config(&centre_code()).await.unwrap().counters.len(),
            2
        );
    }
}

#[tokio::test]
async fn numbering_never_repeats_within_a_day() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        // Before the first ticket of the day the numbering may change.
        let mut a = service_cfg(s.as_ref(), "A").await;
        a.service.start_number = 100;
        s.update_service(ctx(morning()), code("A"), a.clone())
            .await
            .unwrap();
        let t = s.issue_ticket(issue("A", morning())).await.unwrap();
        assert_eq!(t.number, "A100", "{}", b.name);
        // After it, not today: neither the start number nor the prefix.
        a.service.start_number = 1;
        assert_eq!(
            conflict(s.update_service(ctx(morning()), code("A"), a.clone()).await),
            Conflict::NumberingInUse
        );
        let mut renamed = a.clone();
        renamed.service.start_number = 100;
        renamed.service.prefix = luot_domain::TicketPrefix::parse("H").unwrap();
        assert_eq!(
            conflict(
                s.update_service(ctx(morning()), code("A"), renamed.clone())
                    .await
            ),
            Conflict::NumberingInUse
        );
        // Other fields still change today.
        let mut named = service_cfg(s.as_ref(), "A").await;
        named.service.name = "Tư pháp - Hộ tịch".into();
        s.update_service(ctx(morning()), code("A"), named)
            .await
            .unwrap();
        // The next service day it is allowed; numbers start afresh.
        let tomorrow = morning() + SignedDuration::from_hours(24);
        s.update_service(ctx(tomorrow), code("A"), renamed)
            .await
            .unwrap();
        let t = s.issue_ticket(issue("A", tomorrow)).await.unwrap();
        assert_eq!(t.number, "H100");

        // Prefixes that print alike are refused: B has `1`.
        let mut clash = service_cfg(s.as_ref(), "A").await;
        let tomorrow2 = tomorrow + SignedDuration::from_hours(24);
        for p in ["1", "12"] {
            clash.service.prefix = luot_domain::TicketPrefix::parse(p).unwrap();
            assert_eq!(
                conflict(
                    s.update_service(ctx(tomorrow2), code("A"), clash.clone())
                        .await
                ),
                Conflict::DuplicatePrefix,
                "{p}"
            );
        }
    }
}

#[tokio::test]
async fn services_are_created_ordered_and_deleted_only_unused() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let mut c = service_cfg(s.as_ref(), "A").await;
        c.service.code = code("C");
        c.service.prefix = luot_domain::TicketPrefix::parse("C").unwrap();
        c.service.note = "CCCD, sổ hộ khẩu".into();
        c.sort = Some(-1);
        s.create_service(ctx(morning()), c.clone()).await.unwrap();
        assert_eq!(
            conflict(s.create_service(ctx(morning()), c.clone()).await),
            Conflict::ServiceCodeTaken
        );
        let services = s.services(&centre_code(), morning()).await.unwrap();
        assert_eq!(
            services[0].code,
            code("C"),
            "{}: sort -1 comes first",
            b.name
        );
        assert_eq!(services[0].note, "CCCD, sổ hộ khẩu");
        // Inactive: refused at once.
        c.service.active = false;
        s.update_service(ctx(morning()), code("C"), c.clone())
            .await
            .unwrap();
        assert_eq!(
            conflict(s.issue_ticket(issue("C", morning())).await),
            Conflict::ServiceInactive
        );
        s.delete_service(ctx(morning()), code("C")).await.unwrap();
        s.issue_ticket(issue("A", morning())).await.unwrap();
        assert_eq!(
            conflict(s.delete_service(ctx(morning()), code("A")).await),
            Conflict::InUse
        );
        assert!(matches!(
            s.delete_service(ctx(morning()), code("C")).await,
            Err(Error::NotFound("service"))
        ));
    }
}

#[tokio::test]
async fn settings_holidays_and_logo() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let mut centre = s.admin_config(&centre_code()).await.unwrap().centre;
        centre.hotline = "0255 3 000 000".into();
        centre.ticket_footer = "Cảm ơn quý khách".into();
        centre.remote_tickets = true;
        s.update_centre_settings(ctx(morning()), centre.clone())
            .await
            .unwrap();
        let back = s.admin_config(&centre_code()).await.unwrap();
        assert_eq!(back.centre, centre, "{}", b.name);
        assert_eq!(s.centres().await.unwrap()[0].hotline, "0255 3 000 000");

        let mut bad = centre.clone();
        bad.announcement_vi = "Xin mời số {number}".into();
        assert!(s.update_centre_settings(ctx(morning()), bad).await.is_err());
        // The timezone moves the service day: not once tickets were issued today.
        s.issue_ticket(issue("A", morning())).await.unwrap();
        let mut tz = centre.clone();
        tz.timezone = "Asia/Bangkok".into();
        assert_eq!(
            conflict(s.update_centre_settings(ctx(morning()), tz).await),
            Conflict::NumberingInUse
        );

        let tet = Holiday {
            date: "2027-02-06".parse().unwrap(),
            name: "Tết Nguyên đán".into(),
        };
        s.put_holiday(ctx(morning()), tet.clone()).await.unwrap();
        s.put_holiday(ctx(morning()), tet.clone()).await.unwrap();
        assert_eq!(s.holidays(&centre_code()).await.unwrap(), vec![tet.clone()]);
        s.delete_holiday(ctx(morning()), tet.date).await.unwrap();
        assert!(matches!(
            s.delete_holiday(ctx(morning()), tet.date).await,
            Err(Error::NotFound("holiday"))
        ));

        assert_eq!(s.logo(&centre_code()).await.unwrap(), None);
        let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255];
        s.set_logo(ctx(morning()), Some(png.clone())).await.unwrap();
        assert_eq!(s.logo(&centre_code()).await.unwrap(), Some(png));
        assert!(s.admin_config(&centre_code()).await.unwrap().has_logo);
        s.set_logo(ctx(morning()), None).await.unwrap();
        assert_eq!(s.logo(&centre_code()).await.unwrap(), None);
    }
}
