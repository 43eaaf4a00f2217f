//! Golden files: the exact bytes for each paper width and text mode, so any change to layout,
//! font rendering or command encoding shows up in review. Regenerate with
//! `LUOT_BLESS=1 cargo test -p luot-print --test golden` and look at the PNG previews it writes.

mod support;

use luot_print::{render, render_escpos, render_png, Paper, PrinterProfile, TextMode};
use support::{check_golden, full_ticket};

fn profile(paper: Paper, text_mode: TextMode, native_qr: bool, cut: bool) -> PrinterProfile {
    PrinterProfile {
        paper,
        text_mode,
        native_qr,
        cut,
        ..PrinterProfile::default()
    }
}

#[test]
fn escpos_bytes_for_each_paper_and_mode() {
    let t = full_ticket();
    for paper in [Paper::Mm58, Paper::Mm80] {
        for mode in [TextMode::Raster, TextMode::Tcvn3, TextMode::Cp1258] {
            let bytes = render_escpos(&t, &profile(paper, mode, false, true));
            check_golden(&format!("{paper}-{mode}.bin"), &bytes);
        }
    }
}

#[test]
fn escpos_bytes_for_native_qr_and_no_cutter() {
    let t = full_ticket();
    let cases = [
        (
            "80-raster-native-qr.bin",
            profile(Paper::Mm80, TextMode::Raster, true, true),
        ),
        (
            "58-cp1258-native-qr.bin",
            profile(Paper::Mm58, TextMode::Cp1258, true, true),
        ),
        (
            "80-tcvn3-no-cut.bin",
            profile(Paper::Mm80, TextMode::Tcvn3, false, false),
        ),
    ];
    for (name, p) in cases {
        check_golden(name, &render_escpos(&t, &p));
    }
}

#[test]
fn png_previews() {
    let t = full_ticket();
    for paper in [Paper::Mm58, Paper::Mm80] {
        check_golden(&format!("preview-{paper}.png"), &render_png(&t, paper));
    }
}

#[test]
fn render_agrees_with_the_separate_entry_points() {
    let t = full_ticket();
    for mode in [TextMode::Raster, TextMode::Tcvn3] {
        for native_qr in [false, true] {
            let p = profile(Paper::Mm58, mode, native_qr, true);
            let both = render(&t, &p);
            assert_eq!(both.escpos, render_escpos(&t, &p));
            assert_eq!(both.png, render_png(&t, p.paper));
        }
    }
}
