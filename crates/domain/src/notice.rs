//! "Your turn is near": the rules of turn notices, pure. A citizen leaves a
//! phone for one ticket with a separate consent; a notice goes out once when
//! `ahead` people are left before them (per service, default 3) and once when
//! the ticket is called, through the centre's notifier: a signed JSON
//! `webhook`, an HTTP SMS gateway (`sms_http`: URL, method, body template) or
//! Zalo template messages (`zalo_zns`: template id; the access token is read
//! from a file by the server, never stored here).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Phone, ServiceCode};

/// The default number of people ahead at which "your turn is near" goes out.
pub const DEFAULT_AHEAD: u32 = 3;
/// The largest threshold an administrator may set.
pub const MAX_AHEAD: u32 = 50;

/// Which notice: `near` (N people ahead) or `called`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Near,
    Called,
}

impl Threshold {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Near => "near",
            Self::Called => "called",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Near, Self::Called]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    #[default]
    Post,
}

/// How a centre's notices leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Channel {
    /// A JSON POST to `url`, signed like the webhooks with `secret`.
    Webhook { url: String, secret: String },
    /// An HTTP SMS gateway. With `GET`, the placeholders are in the URL
    /// (percent-encoded); with `POST`, in `body_template`, JSON-escaped when
    /// `content_type` is JSON (the default), else percent-encoded.
    SmsHttp {
        url: String,
        #[serde(default)]
        method: Method,
        #[serde(default)]
        body_template: String,
        #[serde(default = "json_type")]
        content_type: String,
    },
    /// Zalo Notification Service template messages.
    ZaloZns { template_id: String },
}

fn json_type() -> String {
    "application/json".into()
}

impl Channel {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Webhook { .. } => "webhook",
            Self::SmsHttp { .. } => "sms_http",
            Self::ZaloZns { .. } => "zalo_zns",
        }
    }
}

/// A centre's notifier: the channel and the thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifier {
    #[serde(flatten)]
    pub channel: Channel,
    /// People ahead at which "your turn is near" goes out (default 3).
    #[serde(default = "default_ahead")]
    pub ahead: u32,
    /// Per service, overriding `ahead` (e.g. `{"A": 5}` for a fast service).
    #[serde(default)]
    pub ahead_by_service: BTreeMap<String, u32>,
}

fn default_ahead() -> u32 {
    DEFAULT_AHEAD
}

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "{phone}",
    "{phone84}",
    "{message}",
    "{number}",
    "{service}",
    "{counter}",
    "{ahead}",
    "{centre}",
    "{delivery}",
];

fn check_url(url: &str) -> Result<(), Error> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 500
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "url",
            "must be an http(s) URL of at most 500 characters",
        ))
    }
}

impl Notifier {
    /// Checks what an administrator set.
    pub fn validate(&self) -> Result<(), Error> {
        for n in std::iter::once(&self.ahead).chain(self.ahead_by_service.values()) {
            if !(1..=MAX_AHEAD).contains(n) {
                return Err(Error::invalid(
                    "ahead",
                    format!("people ahead must be 1 to {MAX_AHEAD}"),
                ));
            }
        }
        for code in self.ahead_by_service.keys() {
            ServiceCode::parse(code)?;
        }
        match &self.channel {
            Channel::Webhook { url, secret } => {
                check_url(url)?;
                let n = secret.chars().count();
                if !(16..=200).contains(&n) || secret.chars().any(char::is_control) {
                    return Err(Error::invalid("secret", "must be 16 to 200 characters"));
                }
            }
            Channel::SmsHttp {
                url,
                method,
                body_template,
                content_type,
            } => {
                check_url(url)?;
                if body_template.len() > 2000 || content_type.len() > 100 {
                    return Err(Error::invalid(
                        "body_template",
                        "at most 2000 characters (content type: 100)",
                    ));
                }
                let text = match method {
                    Method::Get => url,
                    Method::Post => body_template,
                };
                if !text.contains("{phone}") && !text.contains("{phone84}") {
                    let field = if *method == Method::Get {
                        "url"
                    } else {
                        "body_template"
                    };
                    return Err(Error::invalid(field, "must contain {phone} or {phone84}"));
                }
            }
            Channel::ZaloZns { template_id } => {
                let ok = !template_id.is_empty()
                    && template_id.len() <= 40
                    && template_id.chars().all(|c| c.is_ascii_alphanumeric());
                if !ok {
                    return Err(Error::invalid(
                        "template_id",
                        "letters and digits, at most 40",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The threshold of a service.
    pub fn ahead_for(&self, service: &str) -> u32 {
        self.ahead_by_service
            .get(service)
            .copied()
            .unwrap_or(self.ahead)
    }
}

/// What one notice says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub threshold: Threshold,
    pub number: String,
    pub service: String,
    pub centre_name: String,
    /// People ahead (`near`).
    pub ahead: Option<u32>,
    /// The counter calling (`called`).
    pub counter: Option<u16>,
}

impl Notice {
    /// The text message, in Vietnamese, without diacritics-sensitive
    /// abbreviations (it may go out as an SMS).
    pub fn message(&self) -> String {
        match self.threshold {
            Threshold::Near => format!(
                "Sắp đến lượt số {} tại {}: còn {} người trước bạn. Vui lòng có mặt gần quầy.",
                self.number,
                self.centre_name,
                self.ahead.unwrap_or(0)
            ),
            Threshold::Called => format!(
                "Mời số {} đến quầy {} tại {}.",
                self.number,
                self.counter
                    .map_or_else(|| "phục vụ".to_owned(), |c| c.to_string()),
                self.centre_name
            ),
        }
    }
}

/// `0912345678` as Zalo and many gateways want it: `84912345678`.
pub fn phone84(phone: &Phone) -> String {
    format!("84{}", &phone.as_str()[1..])
}

/// How a value is written into a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Inside a JSON string: quotes, backslashes and controls escaped.
    Json,
    /// A URL query value or a form field.
    Percent,
}

fn escape(value: &str, how: Escape) -> String {
    match how {
        Escape::Json => {
            let mut out = String::with_capacity(value.len());
            for c in value.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                    c => out.push(c),
                }
            }
            out
        }
        Escape::Percent => {
            let mut out = String::with_capacity(value.len());
            for b in value.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            out
        }
    }
}

/// Fills a template's placeholders, each value escaped for where it lands;
/// text that is no placeholder is left as written.
pub fn render(
    template: &str,
    notice: &Notice,
    phone: &Phone,
    delivery: &str,
    how: Escape,
) -> String {
    let values = [
        ("{phone}", phone.as_str().to_owned()),
        ("{phone84}", phone84(phone)),
        ("{message}", notice.message()),
        ("{number}", notice.number.clone()),
        ("{service}", notice.service.clone()),
        (
            "{counter}",
            notice.counter.map(|c| c.to_string()).unwrap_or_default(),
        ),
        (
            "{ahead}",
            notice.ahead.map(|a| a.to_string()).unwrap_or_default(),
        ),
        ("{centre}", notice.centre_name.clone()),
        ("{delivery}", delivery.to_owned()),
    ];
    // One left-to-right scan, so a value containing `{phone}` is not filled again.
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    'scan: while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        for (name, value) in &values {
            if let Some(after) = tail.strip_prefix(name) {
                out.push_str(&escape(value, how));
                rest = after;
                continue 'scan;
            }
        }
        out.push('{');
        rest = &tail[1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            threshold: Threshold::Near,
            number: "A012".into(),
            service: "A".into(),
            centre_name: "TTPVHCC xã \"Mỏ Cày\"".into(),
            ahead: Some(3),
            counter: None,
        }
    }

    #[test]
    fn templates_fill_escaped_for_json_and_urls() {
        let phone = Phone::parse("0912 345 678").unwrap();
        let body = render(
            r#"{"to":"{phone84}","text":"{message}","ref":"{delivery}","x":"{unknown}"}"#,
            &notice(),
            &phone,
            "d-1",
            Escape::Json,
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["to"], "84912345678");
        assert!(v["text"].as_str().unwrap().contains("\"Mỏ Cày\""));
        assert_eq!(v["ref"], "d-1");
        assert_eq!(v["x"], "{unknown}");
        let url = render(
            "https://sms.example/send?to={phone}&msg={number}%20{centre}",
            &notice(),
            &phone,
            "d-1",
            Escape::Percent,
        );
        assert_eq!(
            url,
            "https://sms.example/send?to=0912345678&msg=A012%20TTPVHCC%20x%C3%A3%20%22M%E1%BB%8F%20C%C3%A0y%22"
        );
    }

    fn field(e: Error) -> &'static str {
        match e {
            Error::Invalid { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn notifier_settings_are_checked() {
        let parse = |v: serde_json::Value| serde_json::from_value::<Notifier>(v).unwrap();
        let ok = parse(serde_json::json!({"kind": "zalo_zns", "template_id": "231415"}));
        assert_eq!(ok.ahead, DEFAULT_AHEAD);
        assert!(ok.validate().is_ok());
        let mut n = parse(
            serde_json::json!({"kind": "sms_http", "url": "https://sms.example/send",
            "body_template": "{\"text\":\"{message}\"}", "ahead_by_service": {"A": 5}}),
        );
        assert_eq!(field(n.validate().unwrap_err()), "body_template");
        assert_eq!(n.ahead_for("A"), 5);
        assert_eq!(n.ahead_for("B"), 3);
        n.ahead = 0;
        assert_eq!(field(n.validate().unwrap_err()), "ahead");
        let hook = parse(serde_json::json!({"kind": "webhook", "url": "ftp://x", "secret": "s"}));
        assert_eq!(field(hook.validate().unwrap_err()), "url");
        assert!(
            serde_json::from_value::<Notifier>(serde_json::json!({"kind": "carrier_pigeon"}))
                .is_err()
        );
    }

    #[test]
    fn messages_read_naturally() {
        assert_eq!(
            notice().message(),
            "Sắp đến lượt số A012 tại TTPVHCC xã \"Mỏ Cày\": còn 3 người trước bạn. Vui lòng có mặt gần quầy."
        );
        let called = Notice {
            threshold: Threshold::Called,
            counter: Some(2),
            ahead: None,
            ..notice()
        };
        assert!(called.message().starts_with("Mời số A012 đến quầy 2"));
        assert_eq!(phone84(&Phone::parse("0387654321").unwrap()), "84387654321");
    }
}
