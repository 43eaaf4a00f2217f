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
    message_with_code(r, r.code.as_str())
}

fn message_with_code(r: &Reminder, code: &str) -> String {
    let tz = jiff::tz::TimeZone::get(&r.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let when = r.slot_start.to_zoned(tz).strftime("%H:%M ngày %d/%m/%Y");
    let lead = match r.kind {
        ReminderKind::DayBefore => "Nhắc lịch",
        ReminderKind::HourBefore => "Còn 1 giờ",
    };
    format!(
        "{lead}: {} lúc {when} tại {}. Mã đặt lịch {}. Vui lòng đến trước giờ hẹn.",
        r.service_name, r.centre_name, code
    )
}

/// Logs reminders (phone and booking code masked): enough for a demo and for
/// tests.
pub struct LogNotifier;

impl LogNotifier {
    /// What is logged of a reminder: its message with the booking code masked.
    fn logged(r: &Reminder) -> String {
        format!("reminder: {}", message_with_code(r, &r.code.masked()))
    }
}

#[async_trait]
impl Notifier for LogNotifier {
    async fn remind(&self, r: &Reminder) -> anyhow::Result<()> {
        tracing::info!(
            phone = %mask_phone(&r.phone),
            code = %r.code.masked(),
            kind = ?r.kind,
            "{}",
            Self::logged(r)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The log notifier's line names the service, centre and time, never the
    /// booking code whole (with the phone it opens the booking) nor the phone.
    #[test]
    fn the_logged_reminder_masks_the_code() {
        let r = Reminder {
            kind: ReminderKind::DayBefore,
            code: luot_domain::booking::BookingCode::parse("LK3F7Q").unwrap(),
            phone: "0912345678".into(),
            name: "Nguyễn Văn A".into(),
            centre_name: "Trung tâm Mỏ Cày".into(),
            address: String::new(),
            service_name: "Hộ tịch".into(),
            slot_start: "2026-11-27T02:00:00Z".parse().unwrap(),
            timezone: "Asia/Ho_Chi_Minh".into(),
        };
        let line = LogNotifier::logged(&r);
        assert!(
            line.contains("Hộ tịch") && line.contains("09:00 ngày 27/11/2026"),
            "{line}"
        );
        assert!(line.contains("LK****"), "{line}");
        for secret in ["LK3F7Q", "0912345678", "Nguyễn"] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }
        // The citizen's own message carries the whole code.
        assert!(message(&r).contains("LK3F7Q"));
    }
}
