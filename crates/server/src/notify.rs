//! Reminder delivery. The server does not send SMS itself: a [`Notifier`] hands
//! each reminder on. [`LogNotifier`] (the default) writes it to the log with the
//! phone masked; [`WebhookNotifier`] POSTs it as JSON to a URL the operator
//! runs (an SMS or Zalo gateway), configured with `--notify-webhook`.

use async_trait::async_trait;
use luot_domain::booking::mask_phone;
use luot_store::{Reminder, ReminderKind};
use serde::Serialize;

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn remind(&self, r: &Reminder) -> anyhow::Result<()>;
}

/// The message a citizen receives, in Vietnamese.
pub fn message(r: &Reminder) -> String {
    let tz = jiff::tz::TimeZone::get(&r.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let when = r.slot_start.to_zoned(tz).strftime("%H:%M ngày %d/%m/%Y");
    let lead = match r.kind {
        ReminderKind::DayBefore => "Nhắc lịch",
        ReminderKind::HourBefore => "Còn 1 giờ",
    };
    format!(
        "{lead}: {} lúc {when} tại {}. Mã đặt lịch {}. Vui lòng đến trước giờ hẹn.",
        r.service_name, r.centre_name, r.code
    )
}

/// Logs reminders (phone masked): enough for a demo and for tests.
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn remind(&self, r: &Reminder) -> anyhow::Result<()> {
        tracing::info!(
            phone = %mask_phone(&r.phone),
            code = %r.code,
            kind = ?r.kind,
            "reminder: {}",
            message(r)
        );
        Ok(())
    }
}

/// POSTs `{kind, code, phone, name, message, slot_start, centre, address,
/// service}` to a URL. Errors (not 2xx) are returned for the caller to log.
pub struct WebhookNotifier {
    client: reqwest::Client,
    url: String,
}

#[derive(Serialize)]
struct Payload<'a> {
    kind: ReminderKind,
    code: &'a str,
    phone: &'a str,
    name: &'a str,
    message: String,
    slot_start: jiff::Timestamp,
    centre: &'a str,
    address: &'a str,
    service: &'a str,
}

impl WebhookNotifier {
    pub fn new(url: String) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self { client, url })
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn remind(&self, r: &Reminder) -> anyhow::Result<()> {
        let body = Payload {
            kind: r.kind,
            code: r.code.as_str(),
            phone: &r.phone,
            name: &r.name,
            message: message(r),
            slot_start: r.slot_start,
            centre: &r.centre_name,
            address: &r.address,
            service: &r.service_name,
        };
        self.client
            .post(&self.url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}
