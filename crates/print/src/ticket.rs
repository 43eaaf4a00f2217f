//! The ticket as the printer sees it: already formatted, language chosen, nothing left to look up.
//!
//! `TicketPrint` travels from the server to the kiosk client inside a print job, so it is plain data
//! with a stable JSON shape; the logo rides along as a base64 string.

use serde::{Deserialize, Serialize};

/// The badge of a priority ticket: "ƯU TIÊN" (English: "PRIORITY"), never the
/// class. A ticket is shown around the waiting room and photographed, and a
/// class such as disability or pregnancy is sensitive personal data (Law
/// 91/2025/QH15); the officer sees the class on the counter console.
pub fn priority_label(english: bool) -> &'static str {
    if english {
        "PRIORITY"
    } else {
        "ƯU TIÊN"
    }
}

/// Everything printed on one queue ticket.
///
/// The server fills it in the centre's timezone and language; the printer side never formats dates
/// or looks anything up, so a kiosk prints the same ticket whatever its own clock or locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPrint {
    /// "Trung tâm Phục vụ Hành chính công xã Mỏ Cày".
    pub centre_name: String,
    /// "Tư pháp - Hộ tịch"; printed in capitals.
    pub service_name: String,
    /// "A012"; printed in very large type.
    pub number: String,
    /// [`priority_label`] ("ƯU TIÊN"), printed reversed so staff spot it.
    #[serde(default)]
    pub priority_label: Option<String>,
    /// Already formatted "dd/MM/yyyy HH:mm" in the centre timezone.
    pub issued_at: String,
    /// Waiting tickets ahead of this one when it was issued.
    pub people_ahead: u32,
    /// Estimated wait; absent when no counter serving the service is open.
    #[serde(default)]
    pub eta_minutes: Option<u32>,
    /// Live status page, e.g. `http://host:8080/t/TOKEN`; printed as a QR code.
    pub qr_url: String,
    /// Booking code on appointment tickets.
    #[serde(default)]
    pub booking_code: Option<String>,
    /// The booked slot on appointment tickets, already formatted ("10:00" in the centre
    /// timezone). Older kiosk clients ignore it.
    #[serde(default)]
    pub appointment_time: Option<String>,
    #[serde(default)]
    pub hotline: Option<String>,
    /// The centre's own words at the top, between the logo and the centre name ("UBND xã Mỏ
    /// Cày", a greeting...); each line prints as its own paragraph, wrapped to the paper.
    #[serde(default)]
    pub header: Option<String>,
    /// Notice printed at the bottom; each line prints as its own paragraph.
    #[serde(default)]
    pub footer: Option<String>,
    /// Line printed under the centre name (the address).
    #[serde(default)]
    pub header_note: Option<String>,
    /// Optional logo, printed first: any PNG, scaled to the paper and dithered when printed
    /// ([`crate::logo`]). The server sends it already converted for the kiosk's paper, which
    /// the conversion passes through unchanged.
    #[serde(default, with = "base64_opt")]
    pub logo_png: Option<Vec<u8>>,
    #[serde(default)]
    pub lang: Lang,
    /// The service's documents to bring ("Giấy tờ cần mang"), where the centre
    /// prints them; each line prints as its own paragraph, wrapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<String>,
    /// A second copy asked for explicitly (kiosk button or staff): marked "BẢN IN LẠI".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reprint: bool,
}

/// Language of the labels the printer adds ("Số người chờ trước bạn" / "People ahead").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// The logo travels as standard base64 so the JSON stays text.
mod base64_opt {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(bytes) => s.serialize_some(&B64.encode(bytes)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) if t.is_empty() => Ok(None),
            Some(t) => B64
                .decode(t.trim())
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl TicketPrint {
    /// A realistic ticket for previews, tests and the demo file printer.
    pub fn sample() -> Self {
        TicketPrint {
            centre_name: "Trung tâm Phục vụ Hành chính công xã Mỏ Cày".into(),
            service_name: "Tư pháp - Hộ tịch".into(),
            number: "A012".into(),
            priority_label: Some("Ưu tiên: Người cao tuổi".into()),
            issued_at: "12/03/2025 08:15".into(),
            people_ahead: 4,
            eta_minutes: Some(18),
            qr_url: "http://192.168.1.10:8080/t/Zk3pQ9sV2mXa".into(),
            booking_code: None,
            appointment_time: None,
            hotline: Some("0275 3822 123".into()),
            header: None,
            footer: Some("Vui lòng chú ý màn hình và loa gọi số.".into()),
            header_note: None,
            logo_png: None,
            lang: Lang::Vi,
            documents: None,
            reprint: false,
        }
    }
}
