//! Turn notice delivery ("your turn is near", "you are called"): each pass
//! asks the store to create the notices the queue has reached (once per ticket
//! and threshold, in the `turn_notices` outbox), leases those due, sends each
//! through the centre's notifier and records the outcome. Wakes on every
//! committed event and once a second for retries.
//!
//! - `webhook`: a JSON POST with `X-Luot-Event: notice.near|notice.called`,
//!   `X-Luot-Delivery` and `X-Luot-Signature` exactly as the webhooks.
//! - `sms_http`: the gateway's URL (`GET`, placeholders percent-encoded) or
//!   body template (`POST`, JSON-escaped or percent-encoded by content type).
//! - `zalo_zns`: Zalo's template-message API with the phone as `84xxxxxxxxx`,
//!   the delivery id as `tracking_id`, and the access token read from
//!   `--zalo-token-file` at each send (a rotated token is picked up at once);
//!   Zalo answers 200 with `error: 0` when it took the message.
//!
//! A 2xx (and for Zalo `error: 0`) is sent; anything else is retried (1 s
//! doubling to a minute) for an hour, then `failed`. At least once: a crash
//! between the gateway's answer and the record means one more attempt with the
//! same delivery id. Bounded: at most [`PER_PASS`] notices in flight, each
//! attempt at most [`ATTEMPT_TIMEOUT`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use luot_domain::notice::{phone84, render, Channel, Escape, Method};
use luot_store::notices::{DueNotice, NoticeResult};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::AppState;

/// One attempt's bound: a slow gateway cannot hold the worker.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Notices sent per pass, side by side (the rest wait for the next pass).
pub const PER_PASS: u32 = 16;

/// Zalo's template-message endpoint.
pub const ZALO_URL: &str = "https://business.openapi.zalo.me/message/template";

/// What the operator configures for notices (flags, not data).
#[derive(Debug, Clone)]
pub struct NoticeOptions {
    /// File holding the Zalo OA access token (`--zalo-token-file`).
    pub zalo_token_file: Option<PathBuf>,
    /// Zalo's API address (`--zalo-api-url`; tests point it at a fake).
    pub zalo_url: String,
}

impl Default for NoticeOptions {
    fn default() -> Self {
        Self {
            zalo_token_file: None,
            zalo_url: ZALO_URL.into(),
        }
    }
}

/// One pass: create what the queue reached, send what is due. Returns how
/// many notices were attempted.
pub async fn run_once(state: &AppState, client: &reqwest::Client, opts: &NoticeOptions) -> usize {
    if let Err(e) = state.store.enqueue_notices(state.now()).await {
        tracing::warn!(error = %e, "creating turn notices failed");
    }
    let due = match state.store.due_notices(state.now(), PER_PASS).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "reading due turn notices failed");
            return 0;
        }
    };
    let n = due.len();
    let sends = due.into_iter().map(|d| async move {
        let result = send(client, opts, &d).await;
        if let NoticeResult::Failed { status, error } = &result {
            tracing::warn!(delivery = %d.delivery, phone = %d.phone.masked(),
                channel = d.channel.kind(), attempts = d.attempts + 1, status = ?status,
                %error, "turn notice not sent; will retry");
        }
        if let Err(e) = state.store.record_notice(d.id, result, state.now()).await {
            tracing::warn!(error = %e, delivery = %d.delivery, "recording a turn notice failed");
        }
    });
    futures::future::join_all(sends).await;
    n
}

fn failed(status: Option<u16>, error: impl Into<String>) -> NoticeResult {
    NoticeResult::Failed {
        status,
        error: error.into(),
    }
}

fn transport(e: reqwest::Error) -> NoticeResult {
    failed(
        None,
        if e.is_timeout() {
            "no answer in time"
        } else if e.is_connect() {
            "could not connect"
        } else {
            "request failed"
        },
    )
}

async fn send(client: &reqwest::Client, opts: &NoticeOptions, d: &DueNotice) -> NoticeResult {
    let event = format!("notice.{}", d.notice.threshold.as_str());
    let request = match &d.channel {
        Channel::Webhook { url, secret } => {
            let body = json!({
                "delivery": d.delivery,
                "event": event,
                "centre": d.centre,
                "number": d.notice.number,
                "service": d.notice.service,
                "ahead": d.notice.ahead,
                "counter": d.notice.counter,
                "phone": d.phone.as_str(),
                "message": d.notice.message(),
            })
            .to_string();
            client
                .post(url)
                .header("content-type", "application/json")
                .header("x-luot-event", &event)
                .header("x-luot-delivery", &d.delivery)
                .header(
                    "x-luot-signature",
                    crate::webhooks::signature(secret, body.as_bytes()),
                )
                .body(body)
        }
        Channel::SmsHttp {
            url,
            method,
            body_template,
            content_type,
        } => match method {
            Method::Get => client.get(render(
                url,
                &d.notice,
                &d.phone,
                &d.delivery,
                Escape::Percent,
            )),
            Method::Post => {
                let how = if content_type.contains("json") {
                    Escape::Json
                } else {
                    Escape::Percent
                };
                client
                    .post(url)
                    .header("content-type", content_type)
                    .body(render(body_template, &d.notice, &d.phone, &d.delivery, how))
            }
        },
        Channel::ZaloZns { template_id } => {
            let token = match &opts.zalo_token_file {
                Some(path) => match tokio::fs::read_to_string(path).await {
                    Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
                    _ => return failed(None, "the Zalo access token file cannot be read"),
                },
                None => return failed(None, "no Zalo access token file (--zalo-token-file)"),
            };
            let text = |v: Option<String>| v.unwrap_or_default();
            let body = json!({
                "phone": phone84(&d.phone),
                "template_id": template_id,
                "template_data": {
                    "number": d.notice.number,
                    "service": d.notice.service,
                    "centre": d.notice.centre_name,
                    "ahead": text(d.notice.ahead.map(|a| a.to_string())),
                    "counter": text(d.notice.counter.map(|c| c.to_string())),
                },
                "tracking_id": d.delivery,
            });
            let sent = client
                .post(&opts.zalo_url)
                .timeout(ATTEMPT_TIMEOUT)
                .header("access_token", token)
                .json(&body)
                .send()
                .await;
            return match sent {
                Ok(r) if r.status().is_success() => {
                    let status = r.status().as_u16();
                    match r.json::<serde_json::Value>().await {
                        Ok(v) if v["error"].as_i64() == Some(0) => NoticeResult::Sent { status },
                        Ok(v) => failed(Some(status), format!("Zalo error {}", v["error"])),
                        Err(_) => failed(Some(status), "Zalo answered without JSON"),
                    }
                }
                Ok(r) => failed(
                    Some(r.status().as_u16()),
                    format!("answered {}", r.status()),
                ),
                Err(e) => transport(e),
            };
        }
    };
    match request.timeout(ATTEMPT_TIMEOUT).send().await {
        Ok(r) if r.status().is_success() => NoticeResult::Sent {
            status: r.status().as_u16(),
        },
        Ok(r) => failed(
            Some(r.status().as_u16()),
            format!("answered {}", r.status()),
        ),
        Err(e) => transport(e),
    }
}

/// Starts the worker (see [`crate::outbound`]). The receiver counts finished
/// passes (tests wait on it).
pub fn spawn(state: AppState, opts: NoticeOptions) -> (JoinHandle<()>, watch::Receiver<u64>) {
    let opts = Arc::new(opts);
    crate::outbound::spawn(state, move |state, client| {
        let opts = opts.clone();
        async move { run_once(&state, &client, &opts).await }
    })
}
