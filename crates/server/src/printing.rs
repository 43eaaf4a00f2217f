//! Turning a ticket into what is printed: the `TicketPrint` the kiosk client's
//! printer renders, and the PNG preview of the same layout. The QR code opens the
//! ticket's live status page at the public URL. The centre's header, footer and
//! logo (set in `/admin`) print on every ticket; the logo is converted for the
//! paper once per logo version ([`LogoCache`]), not once per ticket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use luot_domain::CentreCode;
use luot_domain::Channel;
use luot_print::{Lang, Paper, TicketPrint};
use luot_store::{CentreSummary, Store, TicketBooking, TicketView};

/// A centre's logo converted for one paper width (a 1-bit PNG that prints
/// as it is), under the logo version it came from; `None` when the upload
/// cannot be decoded, so a broken file is not retried on every ticket.
type Converted = (i64, Option<Arc<Vec<u8>>>);

/// Ticket logos converted for printing, per centre and paper. Converting
/// (decode, resample, dither) costs milliseconds and the logo rarely changes,
/// so each process converts once per logo version: the version is read with
/// every ticket (a cheap query; an upload on any process changes it), the PNG
/// only when the version is new. At most one entry per centre and paper.
#[derive(Default)]
pub struct LogoCache {
    converted: Mutex<HashMap<(CentreCode, Paper), Converted>>,
    /// Conversions done, for tests that check the cache is used.
    conversions: AtomicU64,
}

impl LogoCache {
    /// The centre's logo as printed on `paper`, or none. A store failure
    /// leaves the logo off (logged): a ticket without its logo beats no ticket.
    pub async fn get(
        &self,
        store: &dyn Store,
        centre: &CentreCode,
        paper: Paper,
    ) -> Option<Arc<Vec<u8>>> {
        let version = match store.logo_version(centre).await {
            Ok(v) => v?,
            Err(e) => {
                tracing::warn!(centre = %centre, error = %e, "ticket logo left off");
                return None;
            }
        };
        let key = (centre.clone(), paper);
        if let Some((v, png)) = self.lock().get(&key) {
            if *v == version {
                return png.clone();
            }
        }
        // Read after the version: if the logo changes in between, this PNG is
        // newer than its key and the next ticket, seeing the new version,
        // converts again. Never the other way round.
        let raw = match store.logo(centre).await {
            Ok(raw) => raw,
            Err(e) => {
                tracing::warn!(centre = %centre, error = %e, "ticket logo left off");
                return None;
            }
        };
        let converted = match raw {
            Some(raw) => {
                self.conversions.fetch_add(1, Ordering::Relaxed);
                tokio::task::spawn_blocking(move || luot_print::logo::prepare_png(&raw, paper))
                    .await
                    .ok()
                    .flatten()
                    .map(Arc::new)
            }
            None => None,
        };
        if converted.is_none() {
            tracing::warn!(centre = %centre, version, "ticket logo cannot be decoded; printing without it");
        }
        self.lock().insert(key, (version, converted.clone()));
        converted
    }

    /// How many logos this process has converted.
    pub fn conversions(&self) -> u64 {
        self.conversions.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(CentreCode, Paper), Converted>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.converted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

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

/// Text an administrator left empty (or blank) prints nothing.
fn unless_blank(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.to_owned())
}

/// The booking behind `t` when it is an appointment ticket (its code and slot
/// print on it). A store failure leaves them off (logged), like the logo.
pub async fn booking_of(store: &dyn Store, t: &TicketView) -> Option<TicketBooking> {
    if t.channel != Channel::Appointment {
        return None;
    }
    store
        .ticket_booking(&t.token)
        .await
        .inspect_err(
            |e| tracing::warn!(ticket = %t.number, error = %e, "booking left off the ticket"),
        )
        .ok()
        .flatten()
}

/// The service's documents to bring, when the centre prints them on tickets
/// (`print_documents`); `None` otherwise, or when the service has none.
pub async fn documents_of(
    store: &dyn luot_store::Store,
    t: &TicketView,
    centre: &CentreSummary,
) -> Option<String> {
    if !centre.print_documents {
        return None;
    }
    let setup = store.centre_setup(&t.centre).await.ok()?;
    let svc = setup.services.into_iter().find(|s| s.code == t.service)?;
    unless_blank(&svc.note)
}

/// The printed ticket for a view, in the centre's timezone and the chosen
/// language, with the centre's header, footer and `logo` (converted for the
/// paper by [`LogoCache`]), for an appointment ticket its `booking` code and
/// slot time, and the service's `documents` to bring where the centre prints
/// them. Header, footer and documents are the administrator's words, printed
/// as written in either language.
pub fn ticket_print(
    t: &TicketView,
    centre: &CentreSummary,
    base: &str,
    lang: Lang,
    logo: Option<&[u8]>,
    booking: Option<&TicketBooking>,
    documents: Option<String>,
) -> TicketPrint {
    let tz = jiff::tz::TimeZone::get(&centre.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let issued = t
        .issued_at
        .to_zoned(tz.clone())
        .strftime("%d/%m/%Y %H:%M")
        .to_string();
    let en = lang == Lang::En;
    let priority_label = t
        .priority
        .as_ref()
        .map(|_| luot_print::priority_label(en).to_owned());
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
        // An appointment ticket shows its time, not an estimate.
        eta_minutes: booking.is_none().then_some(t.eta_minutes),
        qr_url: format!("{base}/t/{}", t.token),
        booking_code: booking.map(|b| b.code.to_string()),
        appointment_time: booking.map(|b| {
            b.slot_start
                .to_zoned(tz.clone())
                .strftime("%H:%M")
                .to_string()
        }),
        hotline: unless_blank(&centre.hotline),
        header: unless_blank(&centre.ticket_header),
        footer: unless_blank(&centre.ticket_footer),
        header_note: unless_blank(&centre.address),
        logo_png: logo.map(<[u8]>::to_vec),
        lang,
        documents,
        reprint: false,
    }
}

// What administrators may save is exactly what prints: nothing is cut.
const _: () = assert!(luot_domain::config::MAX_TICKET_LINES == luot_print::layout::MAX_NOTE_LINES);
const _: () = assert!(luot_domain::config::MAX_TICKET_TEXT <= luot_print::layout::MAX_CHARS);
