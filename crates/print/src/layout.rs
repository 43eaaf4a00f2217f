//! The ticket's layout, decided once: which blocks, in what order, in which style.
//!
//! Both renderers walk this same list, the raster one ([`crate::raster`]) drawing with the embedded
//! font and the code-page one (`textmode`) emitting printer text, so a ticket's content and
//! order cannot drift between the paper and the preview.

use crate::ticket::{Lang, TicketPrint};
use crate::viet::compose;

/// The role of a line of text; each renderer maps it to its own sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Centre name.
    Title,
    /// The header's lines, and the note (address) under the centre name.
    Note,
    /// Service name, in capitals.
    Service,
    /// The small caption above the number.
    NumberLabel,
    /// The ticket number itself: as large as the paper allows.
    Number,
    /// Priority mark, printed white on black.
    Badge,
    /// Issue time, people ahead, ETA, booking code.
    Body,
    /// Captions, hotline, footer.
    Small,
}

/// One element of the ticket, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The centre logo as uploaded (PNG); renderers scale and threshold it.
    Logo(Vec<u8>),
    /// A paragraph, wrapped by the renderer to the paper width.
    Text { text: String, style: Style },
    /// A QR code of this payload.
    Qr(String),
    /// A dashed separator.
    Rule,
    /// Vertical space, in dots (text mode rounds it to lines).
    Gap(u32),
}

/// Fixed words the printer adds around the ticket's data.
struct Labels {
    number: &'static str,
    issued: &'static str,
    ahead: &'static str,
    eta: fn(u32) -> String,
    scan: &'static str,
    booking: &'static str,
    appointment: &'static str,
    hotline: &'static str,
    reprint: &'static str,
    documents: &'static str,
}

fn labels(lang: Lang) -> Labels {
    match lang {
        Lang::Vi => Labels {
            number: "SỐ THỨ TỰ CỦA BẠN",
            issued: "Giờ lấy số",
            ahead: "Số người chờ trước bạn",
            eta: |m| format!("Thời gian chờ dự kiến: ~{m} phút"),
            scan: "Quét mã QR để theo dõi lượt của bạn",
            booking: "Mã đặt lịch",
            appointment: "Giờ hẹn",
            hotline: "Đường dây nóng",
            reprint: "BẢN IN LẠI",
            documents: "Giấy tờ cần mang",
        },
        Lang::En => Labels {
            number: "YOUR NUMBER",
            issued: "Issued",
            ahead: "People ahead",
            eta: |m| format!("Estimated wait: ~{m} min"),
            scan: "Scan the QR code to follow your turn",
            booking: "Booking code",
            appointment: "Appointment time",
            hotline: "Hotline",
            reprint: "REPRINT (BẢN IN LẠI)",
            documents: "Documents to bring",
        },
    }
}

/// Longest text block printed, in characters; longer fields are cut with an ellipsis. The fields
/// come from administrators' settings, and a pasted essay must not print a metre of paper (or cost
/// seconds of rasterising on the kiosk).
pub const MAX_CHARS: usize = 240;
/// Lines of header or footer printed at most (administrators cannot save more).
pub const MAX_NOTE_LINES: usize = 6;
/// Characters of the ticket number; real ones are four or five ("A012", "B1001").
pub const MAX_NUMBER_CHARS: usize = 12;

/// Cuts `s` to at most `max` characters, ending with "…" when something was cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Lays out one ticket. Text is composed to precomposed Vietnamese first, so input typed on any
/// system renders with the font's precomposed glyphs and encodes into the code pages.
pub fn layout(t: &TicketPrint) -> Vec<Block> {
    let l = labels(t.lang);
    let text = |s: &str, style| {
        let max = if style == Style::Number {
            MAX_NUMBER_CHARS
        } else {
            MAX_CHARS
        };
        Block::Text {
            text: clip(&compose(s.trim()), max),
            style,
        }
    };
    let present = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    // Each line of a multi-line header or footer is its own paragraph.
    let lines = |o: &Option<String>, style| -> Vec<Block> {
        o.as_deref()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(MAX_NOTE_LINES)
            .map(|line| text(line, style))
            .collect()
    };
    let mut b = Vec::new();

    if let Some(logo) = t.logo_png.as_ref().filter(|l| !l.is_empty()) {
        b.push(Block::Logo(logo.clone()));
    }
    b.extend(lines(&t.header, Style::Note));
    b.push(text(&t.centre_name, Style::Title));
    if let Some(note) = present(&t.header_note) {
        b.push(text(&note, Style::Note));
    }
    b.push(Block::Rule);
    b.push(text(
        &compose(&t.service_name).to_uppercase(),
        Style::Service,
    ));
    b.push(Block::Gap(8));
    b.push(text(l.number, Style::NumberLabel));
    b.push(text(&t.number, Style::Number));
    if let Some(priority) = present(&t.priority_label) {
        b.push(text(&priority, Style::Badge));
    }
    if t.reprint {
        b.push(Block::Gap(4));
        b.push(text(l.reprint, Style::Badge));
    }
    b.push(Block::Gap(12));
    b.push(text(
        &format!("{}: {}", l.issued, t.issued_at.trim()),
        Style::Body,
    ));
    b.push(text(
        &format!("{}: {}", l.ahead, t.people_ahead),
        Style::Body,
    ));
    // An appointment ticket is called at its time: an estimate beside it would contradict it.
    if let Some(m) = t
        .eta_minutes
        .filter(|_| present(&t.appointment_time).is_none())
    {
        b.push(text(&(l.eta)(m), Style::Body));
    }
    // What to bring, when the centre prints it: wrapped, a paragraph a line.
    let documents = lines(&t.documents, Style::Small);
    if !documents.is_empty() {
        b.push(Block::Gap(8));
        b.push(text(&format!("{}:", l.documents), Style::Body));
        b.extend(documents);
    }
    let url = t.qr_url.trim();
    // A link too long for any QR code is left off: printed as text it would be useless anyway.
    if !url.is_empty() && url.len() <= crate::qr::MAX_BYTES {
        b.push(Block::Gap(8));
        b.push(Block::Qr(url.to_owned()));
        b.push(text(l.scan, Style::Small));
    }
    if let Some(code) = present(&t.booking_code) {
        b.push(text(&format!("{}: {}", l.booking, code), Style::Body));
    }
    if let Some(time) = present(&t.appointment_time) {
        b.push(text(&format!("{}: {}", l.appointment, time), Style::Body));
    }
    let hotline = present(&t.hotline);
    let footer = lines(&t.footer, Style::Small);
    if hotline.is_some() || !footer.is_empty() {
        b.push(Block::Rule);
    }
    if let Some(h) = hotline {
        b.push(text(&format!("{}: {}", l.hotline, h), Style::Small));
    }
    b.extend(footer);
    b
}

/// Greedy word wrap: lines no wider than `max` by `width`; a word wider than a line is broken
/// between characters rather than overflowing the paper.
pub fn wrap(text: &str, max: u32, width: impl Fn(&str) -> u32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if width(word) <= max {
            line = word.to_owned();
            continue;
        }
        for c in word.chars() {
            line.push(c);
            if width(&line) > max && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, c.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn vietnamese_ticket_order_and_labels() {
        let blocks = layout(&TicketPrint::sample());
        let t = texts(&blocks);
        assert_eq!(t[0], "Trung tâm Phục vụ Hành chính công xã Mỏ Cày");
        assert_eq!(t[1], "TƯ PHÁP - HỘ TỊCH");
        assert!(t.contains(&"A012"));
        assert!(t.contains(&"Số người chờ trước bạn: 4"));
        assert!(t.contains(&"Thời gian chờ dự kiến: ~18 phút"));
        assert!(blocks.contains(&Block::Qr("http://192.168.1.10:8080/t/Zk3pQ9sV2mXa".into())));
        // A walk-in ticket: no booking lines.
        assert!(!t
            .iter()
            .any(|s| s.starts_with("Mã đặt lịch") || s.starts_with("Giờ hẹn")));
    }

    #[test]
    fn an_appointment_ticket_prints_its_booking_code_and_slot() {
        let mut ticket = TicketPrint::sample();
        ticket.booking_code = Some("K7M2QX".into());
        ticket.appointment_time = Some("10:00".into());
        let blocks = layout(&ticket);
        let t = texts(&blocks);
        let code = t.iter().position(|s| *s == "Mã đặt lịch: K7M2QX").unwrap();
        assert_eq!(t[code + 1], "Giờ hẹn: 10:00");
        // The sample has an ETA; an appointment ticket leaves it off.
        assert!(ticket.eta_minutes.is_some());
        assert!(!t.iter().any(|s| s.starts_with("Thời gian chờ")), "{t:?}");
    }

    #[test]
    fn a_reprint_says_so_under_the_number() {
        let mut ticket = TicketPrint::sample();
        assert!(!texts(&layout(&ticket)).contains(&"BẢN IN LẠI"));
        ticket.reprint = true;
        let blocks = layout(&ticket);
        let t = texts(&blocks);
        let n = t.iter().position(|s| *s == "A012").unwrap();
        assert!(t[n + 1..n + 3].contains(&"BẢN IN LẠI"), "{t:?}");
    }

    #[test]
    fn english_labels_and_optional_parts() {
        let mut ticket = TicketPrint::sample();
        ticket.lang = Lang::En;
        ticket.eta_minutes = None;
        ticket.priority_label = Some("  ".into());
        ticket.booking_code = Some("K7M2QX".into());
        ticket.appointment_time = Some("10:00".into());
        let blocks = layout(&ticket);
        let t = texts(&blocks);
        assert!(t.contains(&"People ahead: 4"));
        assert!(t.contains(&"Booking code: K7M2QX"));
        assert!(t.contains(&"Appointment time: 10:00"));
        assert!(!t.iter().any(|s| s.starts_with("Estimated")));
        assert!(!blocks.iter().any(|b| matches!(
            b,
            Block::Text {
                style: Style::Badge,
                ..
            }
        )));
    }

    #[test]
    fn logo_then_header_lines_then_centre_and_footer_lines_last() {
        let mut ticket = TicketPrint::sample();
        ticket.logo_png = Some(vec![0x89]);
        ticket.header = Some(" UBND XÃ MỎ CÀY \n\n  Kính chào quý khách\n".into());
        ticket.header_note = Some("Số 12 đường Nguyễn Đình Chiểu".into());
        ticket.hotline = None;
        ticket.footer = Some("Cảm ơn quý khách\n  \nHẹn gặp lại".into());
        let blocks = layout(&ticket);
        assert_eq!(blocks[0], Block::Logo(vec![0x89]));
        let t = texts(&blocks);
        assert_eq!(
            t[..4],
            [
                "UBND XÃ MỎ CÀY",
                "Kính chào quý khách",
                "Trung tâm Phục vụ Hành chính công xã Mỏ Cày",
                "Số 12 đường Nguyễn Đình Chiểu"
            ]
        );
        assert_eq!(t[t.len() - 2..], ["Cảm ơn quý khách", "Hẹn gặp lại"]);
        assert_eq!(blocks[blocks.len() - 3], Block::Rule);
        // Empty or blank header and footer print nothing, not even the rule.
        ticket.header = Some(" \n ".into());
        ticket.footer = Some(String::new());
        let blocks = layout(&ticket);
        assert!(matches!(
            blocks[1],
            Block::Text {
                style: Style::Title,
                ..
            }
        ));
        // The only rule left is the one under the centre.
        assert_eq!(blocks.iter().filter(|b| **b == Block::Rule).count(), 1);
    }

    #[test]
    fn documents_to_bring_print_under_the_estimate_a_paragraph_a_line() {
        let mut ticket = TicketPrint::sample();
        let before = texts(&layout(&ticket)).len();
        ticket.documents = Some("Căn cước công dân\n  \nGiấy chứng sinh bản chính".into());
        let blocks = layout(&ticket);
        let t = texts(&blocks);
        assert_eq!(t.len(), before + 3);
        let at = t.iter().position(|x| *x == "Giấy tờ cần mang:").unwrap();
        assert_eq!(
            t[at + 1..at + 3],
            ["Căn cước công dân", "Giấy chứng sinh bản chính"]
        );
        assert!(t[at - 1].starts_with("Thời gian chờ dự kiến"));
        ticket.documents = Some(" ".into());
        assert_eq!(texts(&layout(&ticket)).len(), before);
    }

    #[test]
    fn oversized_fields_are_clipped() {
        let mut ticket = TicketPrint::sample();
        ticket.centre_name = "x".repeat(10_000);
        ticket.number = "9".repeat(100);
        ticket.footer = Some("dòng\n".repeat(50));
        ticket.header = Some("đầu\n".repeat(50));
        ticket.qr_url = format!("http://h/{}", "q".repeat(5000));
        let blocks = layout(&ticket);
        let t = texts(&blocks);
        let name = t[MAX_NOTE_LINES];
        assert_eq!(name.chars().count(), MAX_CHARS);
        assert!(name.ends_with('…'));
        assert!(t
            .iter()
            .any(|s| s.chars().count() == MAX_NUMBER_CHARS && s.starts_with('9')));
        assert_eq!(t.iter().filter(|s| **s == "dòng").count(), MAX_NOTE_LINES);
        assert_eq!(t.iter().filter(|s| **s == "đầu").count(), MAX_NOTE_LINES);
        assert!(!blocks.iter().any(|b| matches!(b, Block::Qr(_))));
        assert_eq!(clip("Hộ tịch", 7), "Hộ tịch");
        assert_eq!(clip("Hộ tịch", 4), "Hộ …");
    }

    #[test]
    fn wrap_respects_width_and_breaks_long_words() {
        let chars = |s: &str| s.chars().count() as u32;
        assert_eq!(wrap("một hai ba bốn", 7, chars), ["một hai", "ba bốn"]);
        assert_eq!(wrap("abcdefghij", 4, chars), ["abcd", "efgh", "ij"]);
        assert!(wrap("   ", 10, chars).is_empty());
    }
}
