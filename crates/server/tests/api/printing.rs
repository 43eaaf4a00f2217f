//! The ticket preview: the PNG of the printed layout, whose QR code opens the
//! ticket's live status page.

use crate::helpers::*;

fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    let depth = info.bit_depth as usize;
    // Normalise to one luma byte per pixel whatever the PNG's format.
    let (w, h) = (info.width as usize, info.height as usize);
    let mut luma = Vec::with_capacity(w * h);
    for y in 0..h {
        let row = &buf[y * info.line_size..(y + 1) * info.line_size];
        for x in 0..w {
            let v = if depth == 1 {
                if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                    255
                } else {
                    0
                }
            } else {
                row[x * channels * depth / 8]
            };
            luma.push(v);
        }
    }
    (info.width, info.height, luma)
}

#[tokio::test]
async fn the_preview_shows_a_qr_that_opens_the_status_page() {
    let app = spawn_app().await;
    let t = app.issue("A").await;
    let token = t["token"].as_str().unwrap();
    for (paper, width) in [("58", 384), ("80", 576)] {
        let r = app
            .get(&format!("/api/v1/tickets/{token}/ticket.png?paper={paper}"))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        let (w, h, luma) = decode_png(&r.bytes().await.unwrap());
        assert_eq!(w, width);
        assert!(h > 300, "a ticket is taller than that: {h}");
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
                luma[y * w as usize + x]
            });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the ticket");
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, format!("http://{}/t/{token}", app.addr));
    }
    let r = app
        .get(&format!("/api/v1/tickets/{token}/ticket.png?paper=70"))
        .await;
    assert_eq!(r.status(), 400);
    let r = app.get("/api/v1/tickets/nope/ticket.png").await;
    assert_eq!(r.status(), 404);
    app.stop().await;
}
