//! Turning a ticket into what is printed: the `TicketPrint` the kiosk client's
//! printer renders, and the PNG preview of the same layout. The QR code opens the
//! ticket's live status page at the public URL.

use axum::http::HeaderMap;
use luot_print::{Lang, TicketPrint};
use luot_store::{CentreSummary, TicketView};

/// The base URL citizens' phones reach: the configured public URL, else the host
/// the request came to (right for a demo or a centre whose Wi-Fi reaches the server).
pub fn base_url(configured: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(u) = configured {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("localhost:8080");
    format!("http://{host}")
}

/// The printed ticket for a view, in the centre's timezone and the chosen language.
pub fn ticket_print(t: &TicketView, centre: &CentreSummary, base: &str, lang: Lang) -> TicketPrint {
    let tz = jiff::tz::TimeZone::get(&centre.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let issued = t
        .issued_at
        .to_zoned(tz)
        .strftime("%d/%m/%Y %H:%M")
        .to_string();
    let en = lang == Lang::En;
    let priority_label = t.priority.as_deref().map(|code| {
        let class = centre
            .priority_classes
            .iter()
            .find(|c| c.code.as_str() == code);
        let name = class.map_or(code, |c| {
            if en {
                c.name_en.as_str()
            } else {
                c.name.as_str()
            }
        });
        if en {
            format!("Priority: {name}")
        } else {
            format!("Ưu tiên: {name}")
        }
    });
    TicketPrint {
        centre_name: if en {
            centre.name_en.clone()
        } else {
            centre.name.clone()
        },
        service_name: if en {
            t.service_name_en.clone()
        } else {
            t.service_name.clone()
        },
        number: t.number.clone(),
        priority_label,
        issued_at: issued,
        people_ahead: t.position,
        eta_minutes: Some(t.eta_minutes),
        qr_url: format!("{base}/t/{}", t.token),
        booking_code: None,
        hotline: (!centre.hotline.is_empty()).then(|| centre.hotline.clone()),
        footer: Some(if en {
            "Please wait until your number is called.".into()
        } else {
            "Vui lòng chờ đến khi số của bạn được gọi.".into()
        }),
        header_note: (!centre.address.is_empty()).then(|| centre.address.clone()),
        logo_png: None,
        lang,
    }
}
