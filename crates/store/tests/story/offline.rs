//! Issuing through an outage on both backends: leased blocks never overlap
//! between kiosks, are refilled after use and released when the day is over;
//! the online sequence jumps over them (through the bulk path too); a replayed
//! ticket enters the queue at its offline issue time, once, and a number
//! outside the kiosk's blocks or taken by another token is refused.

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::join_all;
use jiff::{SignedDuration, Timestamp};
use luot_domain::Channel;
use luot_store::*;

use crate::harness::*;

const K1: i64 = 7;
const K2: i64 = 8;

fn at(mins: i64) -> Timestamp {
    morning() + SignedDuration::from_mins(mins)
}

fn walk_in(now: Timestamp) -> IssueTicket {
    IssueTicket {
        centre: centre_code(),
        service: code("A"),
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

fn offline(device: i64, seq: u32, token: &str, issued: Timestamp) -> OfflineTicket {
    OfflineTicket {
        device_id: device,
        centre: centre_code(),
        service: code("A"),
        priority: None,
        seq,
        token: format!("{token:A<22}"),
        issued_at: issued,
        actor: format!("device:{device}"),
        now: at(30),
    }
}

/// The block of service A.
fn block_a(l: &Leases) -> Vec<(u32, u32)> {
    l.blocks
        .iter()
        .filter(|b| b.service.as_str() == "A")
        .map(|b| (b.first, b.last))
        .collect()
}

#[tokio::test]
async fn blocks_replay_and_release() {
    for b in backends().await {
        let s = b.store.as_ref();
        let n = &b.name;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let l1 = s.lease_numbers(K1, &centre_code(), at(0)).await.unwrap();
        let l2 = s.lease_numbers(K2, &centre_code(), at(0)).await.unwrap();
        assert_eq!(block_a(&l1), [(901, 920)], "{n}");
        assert_eq!(block_a(&l2), [(921, 940)], "{n}");
        assert_eq!(l1.service_day, "2026-11-26");
        assert_eq!(l1.valid_until, "2026-11-26T17:00:00Z".parse().unwrap());
        // Service B (prefix 1) has its own span.
        let b1: Vec<_> = l1.blocks.iter().filter(|b| b.prefix == "1").collect();
        assert_eq!((b1[0].first, b1[0].last), (901, 920), "{n}");
        // Asking again hands out nothing new.
        let again = s.lease_numbers(K1, &centre_code(), at(1)).await.unwrap();
        assert_eq!(again.blocks, l1.blocks, "{n}");

        // Online numbers start at 001 as ever.
        let first = s.issue_ticket(walk_in(at(2))).await.unwrap();
        assert_eq!(first.number, "A001", "{n}");
        // K1 issued 901 offline at minute 1, before A001: it queues ahead of it.
        let r = s
            .replay_offline(offline(K1, 901, "T1", at(1)))
            .await
            .unwrap();
        assert!(r.new, "{n}");
        assert_eq!(
            (r.ticket.number.as_str(), r.ticket.position),
            ("A901", 0),
            "{n}"
        );
        assert_eq!(r.ticket.issued_at, at(1));
        let again = s
            .replay_offline(offline(K1, 901, "T1", at(1)))
            .await
            .unwrap();
        assert!(!again.new, "{n}: a replay stores nothing twice");
        assert_eq!(again.ticket.token, r.ticket.token);
        let queue = s.queue(&centre_code(), at(30)).await.unwrap();
        let waiting: Vec<&str> = queue.waiting.iter().map(|t| t.number.as_str()).collect();
        assert_eq!(waiting, ["A901", "A001"], "{n}: issue-time order");

        // Another kiosk's number, and a number taken by another token.
        let e = s.replay_offline(offline(K1, 925, "T2", at(3))).await;
        assert!(
            matches!(e, Err(Error::Conflict(Conflict::NotLeased))),
            "{n}: {e:?}"
        );
        let e = s.replay_offline(offline(K1, 901, "T3", at(3))).await;
        assert!(
            matches!(e, Err(Error::Conflict(Conflict::NumberTaken))),
            "{n}: {e:?}"
        );

        // Ten more used: fewer than half a block left, a fresh one follows K2's.
        for seq in 902..=911 {
            s.replay_offline(offline(K1, seq, &format!("U{seq}"), at(4)))
                .await
                .unwrap();
        }
        let l1 = s.lease_numbers(K1, &centre_code(), at(31)).await.unwrap();
        assert_eq!(block_a(&l1), [(901, 920), (941, 960)], "{n}");
        let used = &l1.blocks.iter().find(|b| b.first == 901).unwrap().used;
        assert_eq!(used.len(), 11, "{n}");

        // The day ends: the blocks are released, the next day starts afresh.
        let tomorrow = at(24 * 60);
        assert_eq!(s.release_leases(tomorrow).await.unwrap(), 5, "{n}");
        assert_eq!(s.release_leases(tomorrow).await.unwrap(), 0, "{n}");
        let next = s.lease_numbers(K2, &centre_code(), tomorrow).await.unwrap();
        assert_eq!(next.service_day, "2026-11-27");
        assert_eq!(block_a(&next), [(901, 920)], "{n}");
    }
}

#[tokio::test]
async fn the_online_sequence_jumps_over_leased_numbers() {
    for b in backends().await {
        let s: Arc<dyn Store> = b.store.clone();
        let n = &b.name;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        s.lease_numbers(K1, &centre_code(), at(0)).await.unwrap();
        s.lease_numbers(K2, &centre_code(), at(0)).await.unwrap();
        // 910 tickets at once: the writer issues them in batches, and the
        // batch that would reach 901 falls back to one by one, which jumps.
        let issued = join_all((0..910).map(|_| {
            let s = s.clone();
            async move { s.issue_ticket(walk_in(at(5))).await.unwrap().number }
        }))
        .await;
        let numbers: HashSet<String> = issued.into_iter().collect();
        assert_eq!(numbers.len(), 910, "{n}");
        assert!(numbers.contains("A900") && numbers.contains("A941"), "{n}");
        for seq in 901..=940 {
            assert!(!numbers.contains(&format!("A{seq}")), "{n}: A{seq}");
        }
        assert!(numbers.contains("A950") && !numbers.contains("A951"));
        // A block leased now starts above the online numbers.
        s.replay_offline(offline(K1, 901, "V1", at(6)))
            .await
            .unwrap();
        let l = s.lease_numbers(K1, &centre_code(), at(7)).await.unwrap();
        assert_eq!(block_a(&l), [(901, 920)], "{n}");
        for seq in 902..=911 {
            s.replay_offline(offline(K1, seq, &format!("W{seq}"), at(8)))
                .await
                .unwrap();
        }
        let l = s.lease_numbers(K1, &centre_code(), at(9)).await.unwrap();
        assert_eq!(block_a(&l), [(901, 920), (951, 970)], "{n}");
        let t = s.issue_ticket(walk_in(at(10))).await.unwrap();
        assert_eq!(t.number, "A971", "{n}");
    }
}
