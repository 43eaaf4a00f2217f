//! Reads rendered tickets back with the test ESC/POS parser: what text a printer would show, the
//! exact raster widths, the QR payload (decoded from the dots, or from GS ( k), and the cut.

mod support;

use luot_print::layout::{wrap, Style};
use luot_print::raster::{font_for, LOGO_GAP, TOP};
use luot_print::{logo, render_escpos, render_png};
use luot_print::{Family, Paper, PrinterProfile, TextMode, TicketPrint};
use support::escpos_parser::{parse, parse_with, Pages, Parsed, EPSON};
use support::{decode_qr, english_ticket, full_ticket, png_to_dots};

const PAPERS: [Paper; 2] = [Paper::Mm58, Paper::Mm80];

fn read(t: &TicketPrint, paper: Paper, text_mode: TextMode, native_qr: bool) -> Parsed {
    let p = PrinterProfile {
        paper,
        text_mode,
        native_qr,
        cut: true,
        ..PrinterProfile::default()
    };
    parse(&render_escpos(t, &p)).unwrap_or_else(|e| panic!("{paper:?} {text_mode:?}: {e}"))
}

fn assert_job_frame(parsed: &Parsed, paper: Paper) {
    assert!(parsed.inits >= 1, "starts with ESC @");
    assert_eq!(parsed.cuts, 1, "one cut");
    assert!(parsed.ends_with_cut, "cut is the last command");
    for r in &parsed.rasters {
        assert_eq!(
            r.width_dots,
            paper.dots(),
            "raster must be exactly the paper width"
        );
        assert!(
            r.rows <= 256,
            "band of {} rows is too tall for small printer buffers",
            r.rows
        );
    }
}

#[test]
fn raster_mode_prints_exactly_the_png_and_the_qr_scans() {
    for t in [full_ticket(), english_ticket()] {
        for paper in PAPERS {
            let parsed = read(&t, paper, TextMode::Raster, false);
            assert_job_frame(&parsed, paper);
            assert!(
                parsed.text.trim().is_empty(),
                "raster mode sends no code-page text"
            );
            let img = parsed.single_image().expect("one image in raster mode");
            let (w, h, dots) = (img.width_dots, img.rows, img.data.clone());
            let (pw, ph, png_dots) = png_to_dots(&render_png(&t, paper));
            assert_eq!((w, h), (pw, ph), "{paper:?}: printed size vs preview size");
            assert!(
                dots == png_dots,
                "{paper:?}: printed raster differs from the PNG preview"
            );
            assert_eq!(
                decode_qr(w, h, &dots),
                vec![t.qr_url.clone()],
                "{paper:?}: QR must scan"
            );
        }
    }
}

#[test]
fn code_page_modes_print_every_diacritic() {
    let phrases = [
        "Trung tâm Phục vụ Hành chính công xã Mỏ Cày",
        "Số 12 đường Nguyễn Đình Chiểu, thị trấn Mỏ Cày",
        "TƯ PHÁP - HỘ TỊCH",
        "SỐ THỨ TỰ CỦA BẠN",
        "A012",
        "Ưu tiên: Người cao tuổi",
        "Giờ lấy số: 12/03/2025 08:15",
        "Số người chờ trước bạn: 4",
        "Thời gian chờ dự kiến: ~18 phút",
        "Mã đặt lịch: K7M2QX",
        "Đường dây nóng: 0275 3822 123",
        "Ông NGUYỄN VĂN Ỹ - ĐẤT ĐAI - Ư Ơ",
        "Vui lòng giữ phiếu đến khi được phục vụ.",
        "ỦY BAN NHÂN DÂN HUYỆN MỎ CÀY NAM, TỈNH BẾN TRE",
        "Kính chào quý khách",
    ];
    let t = full_ticket();
    for paper in PAPERS {
        for mode in [TextMode::Tcvn3, TextMode::Cp1258] {
            let parsed = read(&t, paper, mode, false);
            assert_job_frame(&parsed, paper);
            let text = parsed.flat_text();
            for phrase in phrases {
                assert!(
                    text.contains(phrase),
                    "{paper:?} {mode:?}: {phrase:?} missing from {text:?}"
                );
            }
            for line in parsed.text.lines() {
                assert!(
                    line.chars().count() <= paper.columns(),
                    "{paper:?} {mode:?}: {line:?} overflows"
                );
            }
            match mode {
                TextMode::Tcvn3 => {
                    assert!(parsed.pages.contains(&30) && parsed.pages.contains(&31))
                }
                _ => assert!(parsed.pages.iter().all(|&p| p == 52)),
            }
            // Logo and QR are rasters here; the QR one must scan.
            let found: Vec<String> = parsed
                .images
                .iter()
                .flat_map(|r| decode_qr(r.width_dots, r.rows, &r.data))
                .collect();
            assert_eq!(found, vec![t.qr_url.clone()], "{paper:?} {mode:?}");
        }
    }
}

#[test]
fn english_labels_in_code_page_mode() {
    let parsed = read(&english_ticket(), Paper::Mm80, TextMode::Cp1258, false);
    let text = parsed.flat_text();
    for phrase in [
        "YOUR NUMBER",
        "People ahead: 4",
        "Estimated wait: ~18 min",
        "Booking code: K7M2QX",
    ] {
        assert!(text.contains(phrase), "{phrase:?} missing from {text:?}");
    }
}

#[test]
fn native_qr_is_model_2_level_m_with_the_status_link() {
    let t = full_ticket();
    for paper in PAPERS {
        for mode in [TextMode::Raster, TextMode::Tcvn3, TextMode::Cp1258] {
            let parsed = read(&t, paper, mode, true);
            assert_job_frame(&parsed, paper);
            assert_eq!(parsed.qrs.len(), 1, "{paper:?} {mode:?}");
            let qr = &parsed.qrs[0];
            assert_eq!(qr.model, Some(50), "model 2");
            assert_eq!(qr.ec, Some(49), "error correction M");
            assert!(
                matches!(qr.module, Some(3..=16)),
                "module size {:?}",
                qr.module
            );
            assert_eq!(qr.data, t.qr_url.as_bytes());
            assert!(qr.printed);
            let drawn: Vec<String> = parsed
                .images
                .iter()
                .flat_map(|r| decode_qr(r.width_dots, r.rows, &r.data))
                .collect();
            assert!(drawn.is_empty(), "QR must not also be drawn as an image");
        }
    }
}

#[test]
fn no_cutter_means_no_cut_command() {
    let p = PrinterProfile {
        cut: false,
        ..PrinterProfile::default()
    };
    let parsed = parse(&render_escpos(&full_ticket(), &p)).unwrap();
    assert_eq!(parsed.cuts, 0);
}

#[test]
fn hostile_and_oversized_fields_cannot_inject_commands_or_break_layout() {
    let t = TicketPrint {
        centre_name: "Trung tâm\x1b@\x1dV\x00 Ỹ".into(),
        number: "\x10\x04\x01A001".into(),
        service_name: "Đất đai ".repeat(200),
        footer: Some("😀 中文 \u{202e}abc".into()),
        qr_url: format!("http://h/t/{}", "x".repeat(5000)),
        logo_png: Some(b"\x89PNG garbage".to_vec()),
        ..TicketPrint::sample()
    };
    for paper in PAPERS {
        for mode in [TextMode::Raster, TextMode::Tcvn3, TextMode::Cp1258] {
            for native_qr in [false, true] {
                // The strict parser rejects stray control bytes and unknown commands.
                let parsed = read(&t, paper, mode, native_qr);
                assert_job_frame(&parsed, paper);
                assert!(parsed.qrs.is_empty(), "a 5 KB link cannot be a QR code");
            }
        }
        let (w, _, _) = png_to_dots(&render_png(&t, paper));
        assert_eq!(w, paper.dots());
    }
}

/// The preview's dots as (width, height, packed rows).
fn dots(t: &TicketPrint, paper: Paper) -> (u32, u32, Vec<u8>) {
    png_to_dots(&render_png(t, paper))
}

#[test]
fn the_logo_prints_first_at_the_paper_width_and_the_header_under_it() {
    let with_all = full_ticket();
    let raw_logo = with_all.logo_png.clone().unwrap();
    for paper in PAPERS {
        let (w, h, all) = dots(&with_all, paper);
        let no_logo = TicketPrint {
            logo_png: None,
            ..with_all.clone()
        };
        let (_, h_no_logo, rest) = dots(&no_logo, paper);
        // The ticket is taller by exactly the logo and its gap, and the logo's dots are the
        // converted logo, centred, right under the top margin.
        let converted = logo::prepare(&raw_logo, paper).unwrap();
        // The 64 x 32 sample logo is enlarged to the tallest a logo prints.
        assert_eq!(converted.height(), logo::max_height(paper));
        assert_eq!(converted.width(), 2 * logo::max_height(paper));
        assert_eq!(h - h_no_logo, converted.height() + LOGO_GAP, "{paper:?}");
        let stride = paper.dots().div_ceil(8) as usize;
        let band = |d: &[u8], from: u32, rows: u32| {
            d[from as usize * stride..(from + rows) as usize * stride].to_vec()
        };
        let centred = converted.centred_in(w);
        assert_eq!(band(&all, TOP, converted.height()), centred.data());
        // Below the logo the ticket is the ticket without it.
        let after = TOP + converted.height() + LOGO_GAP;
        assert_eq!(
            band(&all, after, h - after),
            band(&rest, TOP, h_no_logo - TOP)
        );

        // The header's two lines, wrapped to the paper (the first is too long for one line),
        // sit between the logo and the centre name.
        let no_header = TicketPrint {
            header: None,
            ..with_all.clone()
        };
        let (_, h_no_header, _) = dots(&no_header, paper);
        let spec = font_for(Style::Note, paper);
        let wrapped: Vec<u32> = support::HEADER
            .lines()
            .map(|l| wrap(l, paper.dots() - 16, |s| spec.measure(s)).len() as u32)
            .collect();
        assert!(wrapped[0] >= 2 && wrapped[1] == 1, "{paper:?}: {wrapped:?}");
        // Each paragraph: its lines, then 4 dots of air.
        let header_h: u32 = wrapped.iter().map(|n| n * spec.line_height() + 4).sum();
        assert_eq!(h - h_no_header, header_h, "{paper:?}");
        let lines = header_h;
        let header_band = band(&all, after, lines);
        assert!(
            header_band.iter().any(|b| *b != 0),
            "{paper:?}: header has ink"
        );
        assert_eq!(decode_qr(w, h, &all), vec![with_all.qr_url.clone()]);
    }
}

#[test]
fn a_logo_converted_by_the_server_prints_like_the_upload() {
    let t = full_ticket();
    for paper in PAPERS {
        let converted = logo::prepare_png(t.logo_png.as_deref().unwrap(), paper).unwrap();
        let shipped = TicketPrint {
            logo_png: Some(converted),
            ..t.clone()
        };
        assert_eq!(
            render_png(&shipped, paper),
            render_png(&t, paper),
            "{paper:?}"
        );
        let p = PrinterProfile {
            paper,
            ..PrinterProfile::default()
        };
        assert_eq!(render_escpos(&shipped, &p), render_escpos(&t, &p));
    }
}

/// A ticket whose badge, service name and reprint mark fill a 58 mm line exactly (32 cells): the
/// badge's framing spaces then used to push it past the paper's edge.
fn crowded_ticket() -> TicketPrint {
    TicketPrint {
        priority_label: Some("Người khuyết tật nặng, phụ nữ có thai…".into()),
        service_name: "Tư pháp – Hộ tịch, chứng thực bản sao, chữ ký và hợp đồng giao dịch".into(),
        documents: None,
        reprint: true,
        ..full_ticket()
    }
}

const XPRINTER: Pages = Pages {
    tcvn3: 27,
    capitals: None,
    cp1258: 94,
};

fn text_job(t: &TicketPrint, paper: Paper, text_mode: TextMode, family: Family) -> Vec<u8> {
    let p = PrinterProfile {
        paper,
        text_mode,
        family,
        ..PrinterProfile::default()
    };
    render_escpos(t, &p)
}

#[test]
fn text_modes_never_print_past_the_paper_edge() {
    for (family, pages) in [(Family::Epson, EPSON), (Family::Xprinter, XPRINTER)] {
        for t in [crowded_ticket(), full_ticket(), english_ticket()] {
            for paper in PAPERS {
                for mode in [TextMode::Tcvn3, TextMode::Cp1258] {
                    let parsed = parse_with(&text_job(&t, paper, mode, family), &pages)
                        .unwrap_or_else(|e| panic!("{family:?} {paper:?} {mode:?}: {e}"));
                    assert!(
                        parsed.widest_line_dots <= paper.dots(),
                        "{family:?} {paper:?} {mode:?}: a line of {} dots on {} dot paper",
                        parsed.widest_line_dots,
                        paper.dots()
                    );
                    assert!(parsed.widest_line_dots > 0);
                }
            }
        }
    }
    // The whole badge is there, wrapped, not cut.
    let parsed = parse(&text_job(
        &crowded_ticket(),
        Paper::Mm58,
        TextMode::Tcvn3,
        Family::Epson,
    ))
    .unwrap();
    assert!(
        parsed
            .flat_text()
            .contains("Người khuyết tật nặng, phụ nữ có thai..."),
        "{}",
        parsed.text
    );
}

#[test]
fn each_family_selects_its_own_code_pages() {
    let t = full_ticket();
    let pages_of = |mode, family| {
        let mut p: Vec<u8> = parse_with(
            &text_job(&t, Paper::Mm80, mode, family),
            match family {
                Family::Xprinter => &XPRINTER,
                _ => &EPSON,
            },
        )
        .unwrap()
        .pages;
        p.sort_unstable();
        p.dedup();
        p
    };
    assert_eq!(pages_of(TextMode::Tcvn3, Family::Epson), vec![30, 31]);
    assert_eq!(pages_of(TextMode::Cp1258, Family::Epson), vec![52]);
    assert_eq!(pages_of(TextMode::Tcvn3, Family::Xprinter), vec![27]);
    assert_eq!(pages_of(TextMode::Cp1258, Family::Xprinter), vec![94]);

    // Xprinter's single TCVN-3 page: every letter arrives, toned capitals in lower case (the
    // plain capitals Ă Â Ê Ô Ơ Ư Đ are in the page).
    let xp = parse_with(
        &text_job(&t, Paper::Mm80, TextMode::Tcvn3, Family::Xprinter),
        &XPRINTER,
    )
    .unwrap();
    assert!(
        xp.flat_text().contains("Ông NGUYễN VĂN ỹ - ĐấT ĐAI - Ư Ơ"),
        "{}",
        xp.text
    );
    let cp = parse_with(
        &text_job(&t, Paper::Mm80, TextMode::Cp1258, Family::Xprinter),
        &XPRINTER,
    )
    .unwrap();
    assert!(cp.flat_text().contains("Ông NGUYỄN VĂN Ỹ - ĐẤT ĐAI - Ư Ơ"));

    // Star has no Vietnamese page: the text modes print the raster ticket instead.
    for mode in [TextMode::Tcvn3, TextMode::Cp1258] {
        let star = parse(&text_job(&t, Paper::Mm80, mode, Family::Star)).unwrap();
        assert!(star.pages.is_empty(), "{mode:?}: {:?}", star.pages);
        assert!(star.text.trim().is_empty());
        let img = star.single_image().expect("one raster image");
        let (w, h, _) = png_to_dots(&render_png(&t, Paper::Mm80));
        assert_eq!((img.width_dots, img.rows), (w, h));
    }
}
