//! What displays need from the store: the notice line (state and event in one
//! commit, published after it) and where a centre's log ends.

use luot_domain::{CentreCode, EventKind};

use crate::harness::*;

#[tokio::test]
async fn the_notice_is_stored_logged_and_published() {
    for b in backends().await {
        let s = &b.store;
        s.create_centre(small_centre(1), morning()).await.unwrap();
        let centre = centre_code();
        let before = s.last_event_id(&centre).await.unwrap();
        let mut live = s.subscribe();

        s.set_notice(
            &centre,
            "  Nghỉ trưa 11:30-13:30 ".into(),
            "admin".into(),
            morning(),
        )
        .await
        .unwrap();
        let e = live.recv().await.unwrap();
        assert_eq!(
            e.kind,
            EventKind::NoticeChanged {
                text: "Nghỉ trưa 11:30-13:30".into()
            },
            "{}",
            b.name
        );
        assert!(e.id > before);
        assert_eq!(s.last_event_id(&centre).await.unwrap(), e.id);
        let q = s.queue(&centre, morning()).await.unwrap();
        assert_eq!(q.notice, "Nghỉ trưa 11:30-13:30");
        assert_eq!(q.last_event_id, e.id);
        let logged = s.events_after(&centre, before, 10).await.unwrap();
        assert_eq!(logged, vec![e]);

        let nowhere = CentreCode::parse("khong-co").unwrap();
        assert!(matches!(
            s.set_notice(&nowhere, String::new(), "admin".into(), morning())
                .await,
            Err(luot_store::Error::NotFound(_))
        ));
        assert!(s.last_event_id(&nowhere).await.is_err());
    }
}
