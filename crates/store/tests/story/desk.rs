//! The staff view of the queue (the counter console) on both backends: the
//! citizen behind each appointment ticket still in play, today's bookings not
//! yet checked in, and a public snapshot that carries none of it; staff
//! checking a booking in twice are refused with its ticket.

use luot_store::*;

use crate::booking::{book_cmd, centre_with_capacity, mins, phone, ten};
use crate::harness::*;

#[tokio::test]
async fn the_staff_view_names_bookings_and_the_public_one_does_not() {
    for b in backends().await {
        let s = b.store.as_ref();
        centre_with_capacity(s, 5).await;
        let mut first = book_cmd("A", ten(), phone(1));
        first.name = "Trần Thị Bích Ngọc".into();
        let first = s.book(first).await.unwrap();
        let mut second = book_cmd("B", ten() + mins(30), phone(2));
        second.name = "Lê Hoàng Đức".into();
        let second = s.book(second).await.unwrap();
        // Cancelled: in neither list.
        let gone = s
            .book(book_cmd("A", ten() + mins(60), phone(3)))
            .await
            .unwrap();
        s.cancel_appointment(&gone.code, &phone(3), morning())
            .await
            .unwrap();

        let at = ten() - mins(20);
        let staff = CheckIn {
            by: CheckInBy::Code(first.code.clone()),
            within: None,
            actor: "staff:test".into(),
            refuse_repeat: true,
            print_on: None,
            now: at,
            audit: None,
        };
        let out = s.check_in(staff.clone()).await.unwrap();
        assert_eq!(out.ticket.number, "A001", "{}", b.name);
        // Staff checking it in again are told which ticket it already has.
        let again = s.check_in(staff).await.unwrap_err();
        assert!(
            matches!(
                &again,
                Error::Rule(luot_domain::Error::Booking(
                    luot_domain::Refusal::AlreadyCheckedIn { ticket }
                )) if ticket == "A001"
            ),
            "{}: {again:?}",
            b.name
        );

        let later = at + mins(12);
        let view = s.staff_queue(&centre_code(), later).await.unwrap();
        assert_eq!(
            view.booked,
            vec![BookedTicket {
                number: "A001".into(),
                code: first.code.clone(),
                name: "Trần Thị Bích Ngọc".into(),
                slot_start: ten(),
                time: "10:00".into(),
            }],
            "{}",
            b.name
        );
        assert_eq!(
            view.awaiting_check_in,
            vec![AwaitingBooking {
                code: second.code.clone(),
                service: code("B"),
                name: "Lê Hoàng Đức".into(),
                slot_start: ten() + mins(30),
                time: "10:30".into(),
                check_in_opens: ten(),
                check_in_closes: ten() + mins(45),
            }],
            "{}",
            b.name
        );
        let w = &view.queue.waiting;
        assert_eq!(
            (w.len(), w[0].number.as_str(), w[0].waited_minutes),
            (1, "A001", 12),
            "{}",
            b.name
        );

        // The public snapshot is the same picture, without a name, phone or code.
        let public = s.queue(&centre_code(), later).await.unwrap();
        assert_eq!(public, view.queue, "{}", b.name);
        let json = serde_json::to_string(&public).unwrap();
        for secret in [
            "Trần Thị Bích Ngọc",
            "Lê Hoàng Đức",
            "Nguyễn Văn An",
            first.code.as_str(),
            second.code.as_str(),
            phone(1).as_str(),
        ] {
            assert!(!json.contains(secret), "{}: {secret} in {json}", b.name);
        }

        // Called, the name stays beside the number; served, it leaves.
        let k = CounterRef {
            centre: centre_code(),
            counter: counter(1),
            actor: "staff:test".into(),
            now: ten() + mins(1),
            audit: None,
        };
        s.call_next(k.clone()).await.unwrap();
        let view = s.staff_queue(&centre_code(), k.now).await.unwrap();
        assert_eq!(view.booked.len(), 1, "{}", b.name);
        s.start(k.clone()).await.unwrap();
        s.complete(k.clone()).await.unwrap();
        let view = s.staff_queue(&centre_code(), k.now).await.unwrap();
        assert_eq!(view.booked, vec![], "{}", b.name);
        // Past its window a booking is no longer offered for check-in.
        let closed = ten() + mins(30 + 16);
        let view = s.staff_queue(&centre_code(), closed).await.unwrap();
        assert_eq!(view.awaiting_check_in, vec![], "{}", b.name);
    }
}
