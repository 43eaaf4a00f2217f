//! Booking on both backends: the slot race (exactly the capacity succeed, even
//! across two store instances on PostgreSQL), per-phone limits, look-up and
//! cancel by code and phone, check-in windows and the appointment ticket,
//! no-shows, reminders sent once, anonymisation.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use luot_domain::{booking::Refusal, BookingCode, BookingSettings, Channel, Error as Rule, Phone};
use luot_store::*;

use crate::harness::*;

/// 10:00 local on Thursday 26 November 2026.
pub fn ten() -> Timestamp {
    "2026-11-26T03:00:00Z".parse().unwrap()
}

pub fn mins(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

pub fn phone(n: u32) -> Phone {
    Phone::parse(&format!("09{n:08}")).unwrap()
}

pub fn book_cmd(service: &str, start: Timestamp, p: Phone) -> Book {
    Book {
        centre: centre_code(),
        service: code(service),
        slot_start: start,
        name: "Nguyễn Văn An".into(),
        phone: p,
        id_number: None,
        consent_version: luot_domain::booking::CONSENT.version.into(),
        consent_text: luot_domain::booking::CONSENT.vi.into(),
        reminder_consent_version: Some(luot_domain::booking::REMINDER_CONSENT.version.into()),
        now: morning(),
    }
}

pub async fn centre_with_capacity(s: &dyn Store, capacity: u32) {
    s.create_centre(small_centre(2), morning()).await.unwrap();
    for svc in ["A", "B"] {
        let settings = BookingSettings {
            capacity,
            ..Default::default()
        };
        s.set_booking_settings(&centre_code(), &code(svc), settings, None)
            .await
            .unwrap();
    }
}

fn refusal(e: Error) -> Refusal {
    match e {
        Error::Rule(Rule::Booking(r)) => r,
        other => panic!("expected a booking refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_race_for_the_last_places() {
    const CAPACITY: u32 = 5;
    for b in backends().await {
        centre_with_capacity(b.store.as_ref(), CAPACITY).await;
        // A second instance on the same database: on PostgreSQL that is a second
        // writer, as with two server processes; on SQLite it shares the file lock.
        let other: Arc<dyn Store> = luot_store::connect(&b.url, Default::default())
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..200u32 {
            let s = if i % 2 == 0 {
                b.store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.book(book_cmd("A", ten(), phone(i))).await
            }));
        }
        let (mut ok, mut full) = (0, 0);
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => match refusal(e) {
                    Refusal::SlotFull { next } => {
                        full += 1;
                        assert_eq!(next.first(), Some(&(ten() + mins(30))), "{}", b.name);
                    }
                    r => panic!("{}: unexpected {r:?}", b.name),
                },
            }
        }
        assert_eq!((ok, full), (CAPACITY, 200 - CAPACITY), "{}", b.name);
        let day = b
            .store
            .free_slots(
                &centre_code(),
                &code("A"),
                ten()
                    .to_zoned(jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap())
                    .date(),
                morning(),
            )
            .await
            .unwrap();
        let ten_slot = day.slots.iter().find(|s| s.start == ten()).unwrap();
        assert_eq!(ten_slot.remaining, 0, "{}", b.name);
        other.close().await;
    }
}

/// A full slot's refusal offers the next slots with places left, skipping a
/// full one, and the day's listing counts each slot's own bookings (read for
/// the whole day at once).
#[tokio::test]
async fn a_full_slot_offers_the_next_free_ones_and_the_day_counts_each_slot() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        let mut n = 0;
        let mut book = |at: jiff::Timestamp| {
            n += 1;
            s.book(book_cmd("A", at, phone(n)))
        };
        for at in [
            ten(),
            ten(),
            ten() + mins(30),
            ten() + mins(30),
            ten() + mins(60),
        ] {
            book(at).await.unwrap();
        }
        match refusal(book(ten()).await.unwrap_err()) {
            Refusal::SlotFull { next } => assert_eq!(
                next,
                // 11:30 to 13:30 is the lunch break: no slots.
                [ten() + mins(60), ten() + mins(210), ten() + mins(240)],
                "{}",
                b.name
            ),
            r => panic!("{}: unexpected {r:?}", b.name),
        }
        let tz = jiff::tz::TimeZone::get("Asia/Ho_Chi_Minh").unwrap();
        let day = s
            .free_slots(
                &centre_code(),
                &code("A"),
                ten().to_zoned(tz).date(),
                morning(),
            )
            .await
            .unwrap();
        let left =
            |at: jiff::Timestamp| day.slots.iter().find(|x| x.start == at).unwrap().remaining;
        assert_eq!(
            [ten(), ten() + mins(30), ten() + mins(60), ten() + mins(210)].map(left),
            [0, 0, 1, 2],
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn limits_per_phone() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 5).await;
        s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        let again = s
            .book(book_cmd("A", ten() + mins(60), phone(1)))
            .await
            .unwrap_err();
        assert!(
            matches!(
                refusal(again),
                Refusal::LimitReached {
                    per_service: true,
                    ..
                }
            ),
            "{}",
            b.name
        );
        s.book(book_cmd("B", ten() + mins(60), phone(1)))
            .await
            .unwrap();
        // A third the same day: refused by the per-service limit, and with that
        // raised, by the per-day limit.
        let third = s
            .book(book_cmd("B", ten() + mins(30), phone(1)))
            .await
            .unwrap_err();
        assert!(matches!(
            refusal(third),
            Refusal::LimitReached {
                per_service: true,
                ..
            }
        ));
        let mut rules = BookingRules::default();
        rules.limits.per_service_per_day = 5;
        s.set_booking_rules(&centre_code(), rules, None)
            .await
            .unwrap();
        let third = s
            .book(book_cmd("A", ten() + mins(30), phone(1)))
            .await
            .unwrap_err();
        assert_eq!(
            refusal(third),
            Refusal::LimitReached {
                per_service: false,
                limit: 2
            },
            "{}",
            b.name
        );
        // Another person, or another day, is fine.
        s.book(book_cmd("A", ten() + mins(30), phone(2)))
            .await
            .unwrap();
        s.book(book_cmd(
            "A",
            ten() + SignedDuration::from_hours(24),
            phone(1),
        ))
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn look_up_and_cancel_need_the_phone() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 1).await;
        let mut cmd = book_cmd("A", ten(), phone(7));
        cmd.id_number = Some("001099012345".into());
        let a = s.book(cmd).await.unwrap();
        assert_eq!(a.status, AppointmentStatus::Booked);
        assert_eq!(a.phone, "0900***007");
        assert_eq!(a.id_number.as_deref(), Some("********2345"));
        assert_eq!(a.code.as_str().len(), 6);
        // The answer to a booking is what a look-up shows of it.
        assert_eq!(s.appointment(&a.code, &phone(7)).await.unwrap(), a);
        assert!(
            matches!(
                s.appointment(&a.code, &phone(8)).await,
                Err(Error::NotFound(_))
            ),
            "{}",
            b.name
        );
        assert!(matches!(
            s.cancel_appointment(&a.code, &phone(8), morning()).await,
            Err(Error::NotFound(_))
        ));
        let unknown = BookingCode::parse("ZZZZZZ").unwrap();
        assert!(matches!(
            s.appointment(&unknown, &phone(7)).await,
            Err(Error::NotFound(_))
        ));
        assert_eq!(
            s.appointment(&a.code, &phone(7)).await.unwrap().name,
            "Nguyễn Văn An"
        );
        // Full until cancelled, then free again.
        assert!(s.book(book_cmd("A", ten(), phone(9))).await.is_err());
        let c = s
            .cancel_appointment(&a.code, &phone(7), morning())
            .await
            .unwrap();
        assert_eq!(c.status, AppointmentStatus::Cancelled);
        // Booking and cancelling tell the counter consoles, with nothing personal.
        let log = s.events_after(&centre_code(), 0, 1_000).await.unwrap();
        let changed = log
            .iter()
            .filter(|e| e.kind == luot_domain::EventKind::BookingChanged)
            .count();
        assert_eq!(changed, 2, "a booking and its cancellation: {}", b.name);
        let wire = serde_json::to_string(&log).unwrap();
        assert!(!wire.contains("Nguyễn Văn An") && !wire.contains(phone(7).as_str()));
        // Cancelling erased the name and phone at once: the booking no
        // longer answers to that phone, as if it never had.
        assert!(c.name.is_empty(), "{}: {c:?}", b.name);
        let names: Vec<(String, String)> = {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let mut raw = sqlx::AnyConnection::connect(&b.url).await.unwrap();
            sqlx::query_as("SELECT name, phone FROM appointments")
                .fetch_all(&mut raw)
                .await
                .unwrap()
        };
        assert_eq!(names, [(String::new(), String::new())], "{}", b.name);
        s.book(book_cmd("A", ten(), phone(9))).await.unwrap();
        let twice = s
            .cancel_appointment(&a.code, &phone(7), morning())
            .await
            .unwrap_err();
        assert!(matches!(twice, Error::NotFound(_)), "{}: {twice:?}", b.name);
    }
}

#[tokio::test]
async fn check_in_windows_and_the_appointment_ticket() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        let a = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        let by_code = |now: Timestamp| CheckIn {
            within: None,
            by: CheckInBy::Code(a.code.clone()),
            actor: "kiosk:1".into(),
            refuse_repeat: false,
            print_on: None,
            now,
            audit: None,
        };
        let early = s.check_in(by_code(ten() - mins(31))).await.unwrap_err();
        assert_eq!(
            refusal(early),
            Refusal::TooEarly {
                opens_at: ten() - mins(30)
            },
            "{}",
            b.name
        );
        let late_one = s.book(book_cmd("A", ten(), phone(2))).await.unwrap();
        let late = s
            .check_in(CheckIn {
                within: None,
                by: CheckInBy::Code(late_one.code.clone()),
                actor: "kiosk:1".into(),
                refuse_repeat: false,
                print_on: None,
                now: ten() + mins(15),
                audit: None,
            })
            .await
            .unwrap_err();
        assert!(matches!(refusal(late), Refusal::TooLate { .. }));

        let out = s.check_in(by_code(ten() - mins(20))).await.unwrap();
        assert!(out.new);
        assert_eq!(out.ticket.channel, Channel::Appointment);
        assert_eq!(out.ticket.number, "A001");
        assert_eq!(out.appointment.status, AppointmentStatus::CheckedIn);
        assert_eq!(out.appointment.ticket_number.as_deref(), Some("A001"));
        // What its printed ticket shows of the booking: the code and the slot.
        assert_eq!(
            s.ticket_booking(&out.ticket.token).await.unwrap(),
            Some(TicketBooking {
                code: a.code.clone(),
                slot_start: ten()
            }),
            "{}",
            b.name
        );
        let walk_in = s
            .issue_ticket(walk_in("A", ten() - mins(20)))
            .await
            .unwrap();
        assert_eq!(s.ticket_booking(&walk_in.token).await.unwrap(), None);
        assert_eq!(s.ticket_booking("no-such-token").await.unwrap(), None);
        // A second scan returns the same ticket.
        let again = s.check_in(by_code(ten() - mins(10))).await.unwrap();
        assert!(!again.new);
        assert_eq!(again.ticket.token, out.ticket.token);
        // Cancelling a checked-in booking is refused.
        assert!(s
            .cancel_appointment(&a.code, &phone(1), ten())
            .await
            .is_err());
    }
}

#[tokio::test]
async fn check_in_by_the_id_number_of_a_cccd() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        let mut cmd = book_cmd("B", ten() + mins(60), phone(3));
        cmd.id_number = Some("051185004321".into());
        s.book(cmd).await.unwrap();
        let by_id = |id: &str, now| CheckIn {
            within: None,
            by: CheckInBy::IdNumber {
                centre: centre_code(),
                id_number: id.into(),
            },
            actor: "kiosk:1".into(),
            refuse_repeat: false,
            print_on: None,
            now,
            audit: None,
        };
        assert!(matches!(
            s.check_in(by_id("001099012345", ten() + mins(50))).await,
            Err(Error::NotFound(_))
        ));
        let early = s.check_in(by_id("051185004321", ten())).await.unwrap_err();
        assert!(
            matches!(refusal(early), Refusal::TooEarly { .. }),
            "{}",
            b.name
        );
        let out = s
            .check_in(by_id("051185004321", ten() + mins(50)))
            .await
            .unwrap();
        assert_eq!(out.appointment.service.as_str(), "B");
        assert_eq!(out.ticket.number, "1001");
    }
}

#[tokio::test]
async fn no_shows_reminders_and_anonymisation() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        let tomorrow = ten() + SignedDuration::from_hours(24);
        let a = s.book(book_cmd("A", ten(), phone(1))).await.unwrap();
        let t = s.book(book_cmd("A", tomorrow, phone(2))).await.unwrap();

        // 08:30: today's 10:00 is within a day (and over an hour away).
        let r = s.claim_reminders(ten() - mins(90)).await.unwrap();
        assert_eq!(r.len(), 1, "{}", b.name);
        assert_eq!((r[0].kind, &r[0].code), (ReminderKind::DayBefore, &a.code));
        assert!(s
            .claim_reminders(ten() - mins(80))
            .await
            .unwrap()
            .is_empty());
        // 09:05: the hour reminder for 10:00; tomorrow's day reminder at 10:05.
        let r = s.claim_reminders(ten() - mins(55)).await.unwrap();
        assert_eq!(
            r.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![ReminderKind::HourBefore]
        );
        let r = s.claim_reminders(ten() + mins(5)).await.unwrap();
        assert_eq!((r.len(), &r[0].code), (1, &t.code));
        assert!(s.claim_reminders(ten() + mins(6)).await.unwrap().is_empty());

        // Missed once its slot has ended and the 15 minutes of grace passed.
        assert_eq!(s.expire_bookings(a.slot_end + mins(14)).await.unwrap(), 0);
        assert_eq!(s.expire_bookings(a.slot_end + mins(15)).await.unwrap(), 1);
        assert_eq!(
            s.appointment(&a.code, &phone(1)).await.unwrap().status,
            AppointmentStatus::Missed
        );
        let late = s
            .check_in(CheckIn {
                within: None,
                by: CheckInBy::Code(a.code.clone()),
                actor: "kiosk:1".into(),
                refuse_repeat: false,
                print_on: None,
                now: ten() + mins(16),
                audit: None,
            })
            .await
            .unwrap_err();
        assert!(matches!(refusal(late), Refusal::TooLate { .. }));

        // After the retention period (30 days by default) the person is gone.
        let later = ten() + SignedDuration::from_hours(24 * 31);
        assert_eq!(s.anonymise_bookings(later).await.unwrap(), 1);
        assert!(matches!(
            s.appointment(&a.code, &phone(1)).await,
            Err(Error::NotFound(_))
        ));
        assert_eq!(s.anonymise_bookings(later).await.unwrap(), 0);
    }
}

/// "What to bring" is one text: the booking settings' documents are the
/// service's note (kiosk, portal, bookings and the printed ticket show the same).
#[tokio::test]
async fn the_documents_to_bring_are_stored_once() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 2).await;
        let settings = BookingSettings {
            bring_note: "Căn cước, giấy chứng sinh".into(),
            bring_note_en: "ID card, birth certificate".into(),
            ..Default::default()
        };
        s.set_booking_settings(&centre_code(), &code("A"), settings, None)
            .await
            .unwrap();
        let services = s.services(&centre_code(), morning()).await.unwrap();
        assert_eq!(services[0].note, "Căn cước, giấy chứng sinh", "{}", b.name);
        let info = s.booking_info(&centre_code()).await.unwrap();
        let a = info.services.iter().find(|x| x.code == code("A")).unwrap();
        assert_eq!(a.settings.bring_note_en, "ID card, birth certificate");
        // A service untouched by booking settings still has its own (empty) note.
        let b_svc = info.services.iter().find(|x| x.code == code("B")).unwrap();
        assert_eq!(b_svc.settings.bring_note, "", "{}", b.name);
    }
}
