//! The ticket preview and the print job: the PNG of the printed layout, whose
//! QR code opens the ticket's live status page, carrying the header, footer and
//! logo an administrator set, dot for dot what the kiosk prints.

use luot_print::{logo, raster, render_escpos, Paper, PrinterProfile};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::print_support::{decode_qr, escpos_parser, png_to_dots, rgba_png};

const SETTINGS: &str = "/api/v1/admin/centres/mo-cay/settings";

/// `ticket.png` of `token` on `paper`, as (width, height, packed dots with 1 = black).
async fn preview(app: &TestApp, token: &str, paper: &str) -> (u32, u32, Vec<u8>) {
    let r = app
        .get(&format!("/api/v1/tickets/{token}/ticket.png?paper={paper}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    png_to_dots(&r.bytes().await.unwrap())
}

fn status_url(app: &TestApp, token: &str) -> String {
    format!("http://{}/t/{token}", app.addr)
}

#[tokio::test]
async fn the_preview_shows_a_qr_that_opens_the_status_page() {
    let app = spawn_app().await;
    let t = app.issue("A").await;
    let token = t["token"].as_str().unwrap();
    for (paper, width) in [("58", 384), ("80", 576)] {
        let (w, h, dots) = preview(&app, token, paper).await;
        assert_eq!(w, width);
        assert!(h > 300, "a ticket is taller than that: {h}");
        assert_eq!(
            decode_qr(w, h, &dots),
            vec![status_url(&app, token)],
            "one QR code on the ticket"
        );
    }
    let r = app
        .get(&format!("/api/v1/tickets/{token}/ticket.png?paper=70"))
        .await;
    assert_eq!(r.status(), 400);
    let r = app.get("/api/v1/tickets/nope/ticket.png").await;
    assert_eq!(r.status(), 404);
    app.stop().await;
}

/// A 300 x 100 logo: a black frame around a mid-grey band, on transparency.
fn logo_png() -> Vec<u8> {
    rgba_png(300, 100, |x, y| {
        let frame = x < 6 || y < 6 || x >= 294 || y >= 94;
        match (frame, (40..60).contains(&y)) {
            (true, _) => [0, 0, 0, 255],
            (false, true) => [128, 128, 128, 255],
            _ => [0, 0, 0, 0],
        }
    })
}

/// Uploads the ticket logo through the admin API.
async fn upload_logo(app: &TestApp, png: &[u8]) {
    let r = app
        .client
        .put(app.url("/api/v1/admin/centres/mo-cay/logo"))
        .header("content-type", "image/png")
        .body(png.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

/// Changes the centre's settings through the admin API; returns status and body.
async fn settings(app: &TestApp, change: impl FnOnce(&mut Value)) -> (u16, Value) {
    let cfg: Value = app
        .get("/api/v1/admin/centres/mo-cay")
        .await
        .json()
        .await
        .unwrap();
    let mut centre = cfg["centre"].clone();
    change(&mut centre);
    let r = app
        .client
        .put(app.url(SETTINGS))
        .json(&centre)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The rows `from..from + rows` of packed dots `width` wide.
fn band(dots: &[u8], width: u32, from: u32, rows: u32) -> &[u8] {
    let stride = width.div_ceil(8) as usize;
    &dots[from as usize * stride..(from + rows) as usize * stride]
}

#[tokio::test]
async fn header_footer_and_logo_set_in_admin_print_on_the_ticket_and_its_preview() {
    let app = spawn_app().await;
    let header = "UBND XÃ MỎ CÀY\nKính chào quý khách";
    let footer = "Cảm ơn quý khách\nHẹn gặp lại";
    // Too much to print is refused with the field named.
    for (field, text) in [
        ("ticket_header", "1\n2\n3\n4\n5\n6\n7".to_owned()),
        ("ticket_footer", "ô".repeat(241)),
    ] {
        let (s, e) = settings(&app, |c| c[field] = json!(text)).await;
        assert_eq!((s, e["code"].as_str()), (422, Some("invalid")), "{e}");
        assert_eq!(e["field"], field);
    }
    // No header, no footer, no logo: the bare ticket.
    let (s, _) = settings(&app, |c| {
        c["ticket_header"] = json!("");
        c["ticket_footer"] = json!("  ");
    })
    .await;
    assert_eq!(s, 200);
    let t = app.issue("A").await;
    let token = t["token"].as_str().unwrap();
    let (w, bare_h, bare) = preview(&app, token, "80").await;

    // The header prints right under the top margin, above the centre name:
    // two short lines, each a line of the note style and 4 dots of air.
    let (s, _) = settings(&app, |c| {
        c["ticket_header"] = json!(header);
        c["ticket_footer"] = json!(footer);
    })
    .await;
    assert_eq!(s, 200);
    let note = raster::font_for(luot_print::layout::Style::Note, Paper::Mm80);
    let header_h = 2 * (note.line_height() + 4);
    let (_, texts_h, texts) = preview(&app, token, "80").await;
    assert!(
        band(&texts, w, raster::TOP, header_h)
            .iter()
            .any(|b| *b != 0),
        "the header has ink"
    );
    assert_eq!(
        band(&texts, w, raster::TOP + header_h, 40),
        band(&bare, w, raster::TOP, 40),
        "the centre name follows the header"
    );
    // The footer's two lines (and the rule above them) add to the bottom.
    assert!(texts_h > bare_h + header_h + 2 * note.line_height());

    // The logo: uploaded, scaled to the paper, printed above the header. The
    // ticket grows by exactly the converted logo and its gap.
    let png = logo_png();
    upload_logo(&app, &png).await;
    let converted = logo::prepare(&png, Paper::Mm80).unwrap();
    assert_eq!((converted.width(), converted.height()), (480, 160));
    let (_, h, all) = preview(&app, token, "80").await;
    assert_eq!(h, texts_h + converted.height() + raster::LOGO_GAP);
    assert_eq!(
        band(&all, w, raster::TOP, converted.height()),
        converted.centred_in(w).data()
    );
    let below = raster::TOP + converted.height() + raster::LOGO_GAP;
    assert_eq!(
        band(&all, w, below, texts_h - raster::TOP),
        band(&texts, w, raster::TOP, texts_h - raster::TOP)
    );
    assert_eq!(decode_qr(w, h, &all), vec![status_url(&app, token)]);

    // The kiosk's print job carries the same header, footer and converted
    // logo; printed in raster mode it is exactly the preview.
    let mut agent = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    let (_, job) = next_print_job(&mut agent).await;
    assert_eq!(job.number, t["number"].as_str().unwrap());
    assert_eq!(
        (job.header.as_deref(), job.footer.as_deref()),
        (Some(header), Some(footer))
    );
    assert_eq!(job.logo_png.as_deref(), Some(converted.to_png().as_slice()));
    let printed = escpos_parser::parse(&render_escpos(&job, &PrinterProfile::default())).unwrap();
    let img = printed.single_image().expect("one raster image");
    assert_eq!((img.width_dots, img.rows), (w, h));
    assert!(img.data == all, "the paper is the preview, dot for dot");

    // On 58 mm paper the logo is converted for that width, still above the
    // header, and the QR still scans.
    let (w58, h58, dots58) = preview(&app, token, "58").await;
    let converted58 = logo::prepare(&png, Paper::Mm58).unwrap();
    assert_eq!(converted58.width(), 368);
    assert_eq!(
        band(&dots58, w58, raster::TOP, converted58.height()),
        converted58.centred_in(w58).data()
    );
    assert_eq!(decode_qr(w58, h58, &dots58), vec![status_url(&app, token)]);

    // Each logo version is converted once per paper, not once per ticket.
    let conversions = app.state.logos.conversions();
    assert_eq!(conversions, 2, "80 mm and 58 mm");
    let second = app.issue("A").await;
    next_print_job(&mut agent).await;
    preview(&app, second["token"].as_str().unwrap(), "80").await;
    assert_eq!(app.state.logos.conversions(), conversions);
    // Every upload is a new version (even of the same picture): converted
    // again; removed: no logo at all.
    upload_logo(&app, &png).await;
    preview(&app, token, "80").await;
    assert_eq!(app.state.logos.conversions(), conversions + 1);
    let r = app
        .client
        .delete(app.url("/api/v1/admin/centres/mo-cay/logo"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, h, _) = preview(&app, token, "80").await;
    assert_eq!(h, texts_h);
    drop(agent);
    app.stop().await;
}

#[tokio::test]
async fn a_kiosk_check_in_is_printed_like_a_walk_in() {
    let app = spawn_app().await;
    let book = |phone: &str| {
        json!({
            "service": "A", "slot_start": "2026-11-26T03:00:00Z", "name": "Trần Thị Bích Ngọc",
            "phone": phone, "consent": true, "consent_version": luot_domain::booking::CONSENT.version
        })
    };
    let r = app
        .post("/api/v1/centres/mo-cay/appointments", book("0912345678"))
        .await;
    assert_eq!(r.status(), 201);
    let at_kiosk: Value = r.json().await.unwrap();
    let r = app
        .post("/api/v1/centres/mo-cay/appointments", book("0987654321"))
        .await;
    let at_counter: Value = r.json().await.unwrap();
    app.set_now("2026-11-26T02:50:00Z".parse().unwrap());
    let check_in = |code: &Value| {
        format!(
            "/api/v1/appointments/{}/check-in",
            code["code"].as_str().unwrap()
        )
    };
    let kiosk = app.bearer(&app.kiosk_token);
    let mut agent = connect_agent(&app, &app.kiosk_token, Paper::Mm58).await;

    // Checked in at the kiosk: the appointment ticket comes out of its printer.
    let r = kiosk
        .post(app.url(&check_in(&at_kiosk)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let out: Value = r.json().await.unwrap();
    let (_, job) = next_print_job(&mut agent).await;
    assert_eq!(job.number, out["ticket"]["number"].as_str().unwrap());
    let token = out["ticket"]["token"].as_str().unwrap();
    assert_eq!(job.qr_url, status_url(&app, token));
    // It carries its booking: the code and the slot (10:00 local), never the name.
    assert_eq!(job.booking_code.as_deref(), at_kiosk["code"].as_str());
    assert_eq!(job.appointment_time.as_deref(), Some("10:00"));
    let sent = serde_json::to_string(&job).unwrap();
    assert!(!sent.contains("Bích Ngọc") && !sent.contains("0912345678"));
    let printed = escpos_parser::parse(&render_escpos(
        &job,
        &PrinterProfile {
            paper: Paper::Mm58,
            ..PrinterProfile::default()
        },
    ))
    .unwrap();
    let img = printed.single_image().unwrap();
    assert_eq!(
        decode_qr(img.width_dots, img.rows, &img.data),
        vec![status_url(&app, token)]
    );
    assert_eq!(
        img.data,
        preview(&app, token, "58").await.2,
        "the kiosk shows what it prints"
    );

    // A second scan shows the same ticket and prints nothing; a check-in by
    // staff prints nothing either; the next walk-in is the next job.
    let r = kiosk
        .post(app.url(&check_in(&at_kiosk)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app.post(&check_in(&at_counter), json!({})).await;
    assert_eq!(r.status(), 201);
    let r_counter: Value = r.json().await.unwrap();
    let walk_in = app.issue("B").await;
    let (_, next) = next_print_job(&mut agent).await;
    assert_eq!(next.number, walk_in["number"].as_str().unwrap());
    assert_eq!((next.booking_code, next.appointment_time), (None, None));
    // The preview of the counter's check-in shows its booking too: taller than
    // the walk-in's by the two lines.
    assert!(r_counter["ticket"].get("token").is_none(), "{r_counter}");
    let counter_number = r_counter["ticket"]["number"].as_str().unwrap();
    let counter_token = &app.token_of(counter_number).await;
    let walk_in_h = preview(&app, walk_in["token"].as_str().unwrap(), "58")
        .await
        .1;
    assert!(preview(&app, counter_token, "58").await.1 > walk_in_h);
    let me = kiosk_me(&app, &app.kiosk_token).await;
    assert_eq!(
        me["pending_jobs"], 2,
        "two jobs: the check-in and the walk-in"
    );
    drop(agent);
    app.stop().await;
}

/// Where the centre asks for it, the walk-in ticket prints the service's
/// documents to bring: the same text the kiosk and the portal show.
#[tokio::test]
async fn the_documents_to_bring_print_where_the_centre_asks() {
    let app = spawn_app().await;
    let services: Value = app
        .get("/api/v1/centres/mo-cay/services")
        .await
        .json()
        .await
        .unwrap();
    let note = services[0]["note"].as_str().unwrap().to_owned();
    assert!(
        !note.is_empty(),
        "the demo's service A has documents to bring"
    );
    let mut agent = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    app.issue("A").await;
    let (_, job) = next_print_job(&mut agent).await;
    assert_eq!(job.documents, None, "off by default");

    let (s, v) = settings(&app, |c| c["print_documents"] = json!(true)).await;
    assert_eq!(s, 200, "{v}");
    let t = app.issue("A").await;
    let (_, job) = next_print_job(&mut agent).await;
    assert_eq!(job.number, t["number"].as_str().unwrap());
    assert_eq!(job.documents.as_deref(), Some(note.as_str()));
    app.stop().await;
}

/// A priority ticket prints "ƯU TIÊN", never its class: the paper goes round
/// the waiting room and into photographs, and a class such as disability or
/// pregnancy is sensitive personal data. The officer sees the class on the
/// counter console (staff views keep it).
#[tokio::test]
async fn a_priority_ticket_prints_the_badge_not_the_class() {
    let app = spawn_app().await;
    let classes = app.priority_classes().await;
    assert!(!classes.is_empty());
    let mut agent = connect_agent(&app, &app.kiosk_token, Paper::Mm80).await;
    let kiosk = app.bearer(&app.kiosk_token);
    for class in &classes {
        app.issue_priority(&kiosk, class).await;
        let (_, job) = next_print_job(&mut agent).await;
        assert_eq!(job.priority_label.as_deref(), Some("ƯU TIÊN"), "{class}");
        let sent = serde_json::to_string(&job).unwrap();
        for name in ["code", "name", "name_en"] {
            let named = class[name].as_str().unwrap();
            assert!(!sent.contains(named), "{named} printed: {sent}");
        }
    }
    let (_, job) = {
        app.issue("A").await;
        next_print_job(&mut agent).await
    };
    assert_eq!(job.priority_label, None, "a normal ticket has no badge");
}
