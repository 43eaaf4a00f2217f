//! Accounts, sessions, devices and the audit log on both backends.

use luot_store::auth::*;
use serde_json::json;

use crate::harness::*;

fn account(username: &str, role: Role, counters: Option<Vec<i64>>) -> NewAccount {
    NewAccount {
        account: Account {
            username: username.into(),
            display_name: format!("Cán bộ {username}"),
            role,
            centre: Some(centre_code()),
            counters: counters.map(|ns| ns.into_iter().map(counter).collect()),
            active: true,
        },
        password_hash: "$argon2id$stand-in".into(),
    }
}

#[tokio::test]
async fn accounts_sessions_devices_and_audit() {
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(2), now).await.unwrap();
        assert_eq!(s.account_count().await.unwrap(), 0);
        let lan = s
            .create_account(account("lan", Role::Staff, Some(vec![2])), now, None)
            .await
            .unwrap();
        s.create_account(account("root", Role::Admin, None), now, None)
            .await
            .unwrap();
        let dup = s
            .create_account(account("lan", Role::Admin, None), now, None)
            .await;
        assert!(
            matches!(
                dup,
                Err(luot_store::Error::Conflict(
                    luot_store::Conflict::UsernameTaken
                ))
            ),
            "{}",
            b.name
        );
        let (found, hash) = s.account_for_login("lan").await.unwrap().unwrap();
        assert_eq!(
            (found.clone(), hash.as_str()),
            (lan.clone(), "$argon2id$stand-in")
        );
        assert_eq!(found.counters, Some(vec![counter(2)]));
        assert!(s.account_for_login("nobody").await.unwrap().is_none());
        assert_eq!(s.accounts().await.unwrap().len(), 2);

        s.create_session("lan", "h1", Some("10.0.0.7".into()), now, None)
            .await
            .unwrap();
        let later = now + jiff::SignedDuration::from_mins(5);
        s.touch_session("h1", later).await.unwrap();
        let sess = s.session("h1").await.unwrap().unwrap();
        assert_eq!(
            (
                sess.account.username.as_str(),
                sess.created_at,
                sess.last_seen
            ),
            ("lan", now, later)
        );
        assert!(s.session("h2").await.unwrap().is_none());
        // Deactivating an account ends its sessions.
        let changed = s
            .update_account(
                "lan",
                AccountChanges {
                    active: Some(false),
                    counters: Some(None),
                    ..Default::default()
                },
                later,
                None,
            )
            .await
            .unwrap();
        assert!(!changed.active && changed.counters.is_none());
        assert!(s.session("h1").await.unwrap().is_none(), "{}", b.name);

        let d = s
            .create_device(
                NewDevice {
                    kind: DeviceKind::Kiosk,
                    name: "Kiosk 1".into(),
                    centre: centre_code(),
                    token_hash: "dh".into(),
                    created_by: "staff:root".into(),
                    counter: None,
                },
                now,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (d.kind, d.revoked, d.last_seen),
            (DeviceKind::Kiosk, false, None)
        );
        s.touch_device(d.id, later).await.unwrap();
        let seen = s.device_by_token("dh").await.unwrap().unwrap();
        assert_eq!(seen.last_seen, Some(later));
        let revoked = s.revoke_device(d.id, later, None).await.unwrap();
        assert!(revoked.revoked);
        assert!(s.device_by_token("dh").await.unwrap().unwrap().revoked);
        assert!(matches!(
            s.revoke_device(999, later, None).await,
            Err(luot_store::Error::NotFound("device"))
        ));
        let bad_centre = s
            .create_device(
                NewDevice {
                    kind: DeviceKind::Display,
                    name: "x".into(),
                    centre: luot_domain::CentreCode::parse("elsewhere").unwrap(),
                    token_hash: "dx".into(),
                    created_by: "staff:root".into(),
                    counter: None,
                },
                now,
                None,
            )
            .await;
        assert!(matches!(
            bad_centre,
            Err(luot_store::Error::NotFound("centre"))
        ));

        for i in 0..5 {
            s.record_audit(NewAudit {
                at: now,
                actor: "staff:root".into(),
                action: format!("test.{i}"),
                centre: Some(centre_code()),
                ip: Some("127.0.0.1".into()),
                details: json!({"i": i}),
            })
            .await
            .unwrap();
        }
        let page = s.audit_log(None, 3).await.unwrap();
        assert_eq!(
            page.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["test.4", "test.3", "test.2"]
        );
        let next = s.audit_log(Some(page[2].id), 3).await.unwrap();
        assert_eq!(
            next.iter()
                .map(|e| e.details["i"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            [1, 0]
        );
    }
}

#[tokio::test]
async fn ratings_once_per_served_ticket_and_todays_figures() {
    use luot_store::feedback::NewFeedback;
    use luot_store::CounterRef;
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(2), now).await.unwrap();
        let t = s.issue_ticket(walk_in("A", now)).await.unwrap();
        let at = |mins: i64| CounterRef {
            centre: centre_code(),
            counter: counter(1),
            actor: "staff:lan".into(),
            now: now + jiff::SignedDuration::from_mins(mins),
            audit: None,
        };
        let f = |rating: u8, mins: i64| NewFeedback {
            rating,
            comment: Some("tốt".into()),
            source: "ticket".into(),
            now: now + jiff::SignedDuration::from_mins(mins),
        };
        let early = s.rate_ticket(&t.token, f(5, 0)).await;
        assert!(
            matches!(
                early,
                Err(luot_store::Error::Conflict(luot_store::Conflict::NotServed))
            ),
            "{}",
            b.name
        );
        s.call_next(at(1)).await.unwrap();
        s.start(at(2)).await.unwrap();
        s.complete(at(12)).await.unwrap();
        let window = std::time::Duration::from_secs(900);
        let v = s
            .rate_last_at_counter(&centre_code(), counter(1), window, f(4, 13))
            .await
            .unwrap();
        assert_eq!(
            (v.number.as_str(), v.rating, v.counter),
            ("A001", 4, Some(counter(1)))
        );
        let again = s.rate_ticket(&t.token, f(1, 14)).await;
        assert!(
            matches!(
                again,
                Err(luot_store::Error::Conflict(
                    luot_store::Conflict::AlreadyRated
                ))
            ),
            "{}",
            b.name
        );
        let today = s
            .counter_today(&centre_code(), counter(1), now)
            .await
            .unwrap();
        assert_eq!(
            (today.served, today.no_shows, today.ratings),
            (1, 0, 1),
            "{}",
            b.name
        );
        assert_eq!(
            (today.mean_service_minutes, today.mean_rating),
            (Some(10.0), Some(4.0)),
            "{}",
            b.name
        );
    }
}

fn entry(action: &str) -> NewAudit {
    NewAudit {
        at: morning(),
        actor: "staff:lan".into(),
        action: action.into(),
        centre: Some(centre_code()),
        ip: None,
        details: json!({"counter": 1}),
    }
}

/// An audited command writes its audit row (an argument of the command) in
/// its own transaction, naming the tickets its events touched; a failed
/// command leaves none; concurrent commands (one batch) each get their own.
#[tokio::test]
async fn audit_rows_commit_with_their_action() {
    use luot_domain::Channel;
    use luot_store::{CounterRef, IssueTicket};

    for b in backends().await {
        let s = b.store.clone();
        let now = morning();
        s.create_centre(small_centre(1), now).await.unwrap();
        let at = |action: &str| CounterRef {
            centre: centre_code(),
            counter: counter(1),
            actor: "staff:lan".into(),
            now,
            audit: Some(entry(action)),
        };
        let issue = move |i: usize| IssueTicket {
            centre: centre_code(),
            service: code("A"),
            priority: None,
            channel: Channel::Counter,
            actor: "staff:lan".into(),
            idempotency_key: Some(format!("k{i}")),
            print_on: None,
            now,
            audit: Some(entry(&format!("ticket.issue.{i}"))),
            any_hour: false,
        };

        // Nobody waits: the call still runs as a command, and its row names no ticket.
        let out = s.call_next(at("counter.call_next")).await;
        assert!(out.unwrap().ticket.is_none(), "{}", b.name);
        let row = s.audit_log(None, 1).await.unwrap().remove(0);
        assert_eq!(row.action, "counter.call_next");
        assert_eq!(row.details, json!({"counter": 1}));

        // Twenty audited issues at once share batches; each row names its own ticket.
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move { (i, s.issue_ticket(issue(i)).await.unwrap().number) })
            })
            .collect();
        let mut issued = Vec::new();
        for t in tasks {
            issued.push(t.await.unwrap());
        }
        let log = s.audit_log(None, 100).await.unwrap();
        for (i, number) in &issued {
            let rows: Vec<_> = log
                .iter()
                .filter(|e| e.action == format!("ticket.issue.{i}"))
                .collect();
            assert_eq!(rows.len(), 1, "{}: one row for issue {i}", b.name);
            assert_eq!(
                rows[0].details["events"],
                json!([{"type": "ticket_issued", "number": number}]),
                "{}",
                b.name
            );
            assert_eq!(rows[0].details["counter"], 1);
        }

        // A successful call: the row names the ticket called.
        let called = s.call_next(at("counter.call_next")).await.unwrap();
        let called = called.ticket.unwrap().number;
        let row = s.audit_log(None, 1).await.unwrap().remove(0);
        assert_eq!(row.action, "counter.call_next");
        assert_eq!(row.details["events"][0]["number"], json!(called));

        // A command that fails (no-show needs a called ticket, and an unknown counter
        // has none) rolls back and leaves no row.
        let before = s.audit_log(None, 1).await.unwrap()[0].id;
        let mut elsewhere = at("counter.no_show");
        elsewhere.counter = counter(9);
        assert!(s.no_show(elsewhere).await.is_err(), "{}", b.name);
        // So does a refused issue (an unknown service), audited or not.
        let mut refused = issue(99);
        refused.service = code("Z");
        assert!(s.issue_ticket(refused).await.is_err(), "{}", b.name);
        assert_eq!(
            s.audit_log(None, 1).await.unwrap()[0].id,
            before,
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn the_last_active_administrator_of_a_scope_stays() {
    use luot_store::{Conflict, Error};
    for b in backends().await {
        let s = b.store.as_ref();
        let now = morning();
        s.create_centre(small_centre(2), now).await.unwrap();
        let mut root = account("root", Role::Admin, None);
        root.account.centre = None;
        s.create_account(root, now, None).await.unwrap();
        s.create_account(account("boss", Role::Admin, None), now, None)
            .await
            .unwrap();
        let change = |f: fn(&mut AccountChanges)| {
            let mut c = AccountChanges::default();
            f(&mut c);
            c
        };
        let last =
            |r: luot_store::Result<Account>| matches!(r, Err(Error::Conflict(Conflict::LastAdmin)));
        // `root` is the only administrator of every centre: it may not stop
        // being one, in any way; `boss` (one centre) does not cover it.
        for f in [
            (|c: &mut AccountChanges| c.active = Some(false)) as fn(&mut AccountChanges),
            |c| c.role = Some(Role::Staff),
            |c| c.centre = Some(Some(centre_code())),
        ] {
            assert!(
                last(s.update_account("root", change(f), now, None).await),
                "{}",
                b.name
            );
        }
        assert!(s.account("root").await.unwrap().active);
        // Other changes to it are fine, and `boss` may go: `root` covers its centre.
        let renamed = change(|c| c.display_name = Some("Quản trị tỉnh".into()));
        s.update_account("root", renamed, now, None).await.unwrap();
        s.update_account("boss", change(|c| c.active = Some(false)), now, None)
            .await
            .unwrap();
        // With a second deployment-wide administrator, `root` may step down;
        // then that one is the last.
        let mut second = account("root2", Role::Admin, None);
        second.account.centre = None;
        s.create_account(second, now, None).await.unwrap();
        s.update_account("root", change(|c| c.role = Some(Role::Staff)), now, None)
            .await
            .unwrap();
        assert!(last(
            s.update_account("root2", change(|c| c.active = Some(false)), now, None)
                .await
        ));
        // An inactive administrator coming back needs no check.
        s.update_account("boss", change(|c| c.active = Some(true)), now, None)
            .await
            .unwrap();
        // A centre administrator is covered by the deployment-wide one.
        s.update_account("boss", change(|c| c.role = Some(Role::Staff)), now, None)
            .await
            .unwrap();
    }
}

/// A centre's page of the audit log (what an administrator of one centre
/// reads) is an index search on (centre, id), not a walk of the whole log
/// from its newest entry past every other centre's (migration 0031).
#[tokio::test]
async fn a_centres_audit_page_is_an_index_search() {
    use sqlx::{Connection, Row};
    let b = sqlite().await;
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&b.url).await.unwrap();
    let plan: Vec<String> = sqlx::query(
        "EXPLAIN QUERY PLAN SELECT id, at, actor, action, centre, ip, details FROM audit_log \
         WHERE centre = 'mo-cay' AND id < 1000 ORDER BY id DESC LIMIT 50",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get::<String, _>(3).unwrap())
    .collect();
    assert!(
        plan.iter()
            .any(|d| d.contains("USING INDEX audit_log_centre (centre=? AND id<?)")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
}
