//! An iCalendar (RFC 5545) file for a booking, so the citizen's phone calendar
//! reminds them too. Only what the holder already knows: service, centre,
//! address, time and code.

use jiff::Timestamp;
use luot_store::AppointmentView;

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (backslash, semicolon, comma, newline).
fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets without splitting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        if len + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

pub fn calendar(a: &AppointmentView, now: Timestamp) -> String {
    let summary = format!("{} - {}", a.service_name, a.centre_name);
    let description = format!(
        "Mã đặt lịch / Booking code: {}\nXác nhận tại ki-ốt từ 30 phút trước giờ hẹn.\n{}",
        a.code, a.bring_note
    );
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Luot//Booking//VI".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@luot", a.code),
        format!("DTSTAMP:{}", utc(now)),
        format!("DTSTART:{}", utc(a.slot_start)),
        format!("DTEND:{}", utc(a.slot_end)),
        format!("SUMMARY:{}", text(&summary)),
        format!("LOCATION:{}", text(&a.address)),
        format!("DESCRIPTION:{}", text(&description)),
        "BEGIN:VALARM".to_owned(),
        "ACTION:DISPLAY".to_owned(),
        "TRIGGER:-PT1H".to_owned(),
        format!("DESCRIPTION:{}", text(&summary)),
        "END:VALARM".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "Tư pháp - Hộ tịch ".repeat(8));
        let folded = fold(&long);
        for l in folded.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
