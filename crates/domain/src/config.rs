//! Checks on the configuration administrators edit (centre settings, services,
//! counters): everything a form can get wrong is refused here with the field it
//! concerns, before the store writes anything. Cross-row rules (a prefix unique in
//! its centre, a counter serving only known services) need the other rows, so they
//! are functions over the lists.

use std::collections::HashSet;

use crate::{Centre, Counter, Error, OpeningHours, Service, ServiceCode, TicketPrefix};

/// Longest name, address or phrase a form may send (characters, not bytes).
pub const MAX_TEXT: usize = 200;
/// Longest what-to-bring note.
pub const MAX_NOTE: usize = 1000;
/// A short display name (the board) is at most this long.
pub const MAX_SHORT_NAME: usize = 40;
/// Longest ticket header or footer, in characters: what prints without being cut
/// (the printer's `layout::MAX_CHARS`), a few centimetres of paper at most.
pub const MAX_TICKET_TEXT: usize = 240;
/// Most lines (not counting blank ones) of a ticket header or footer, as the
/// printer prints (`layout::MAX_NOTE_LINES`).
pub const MAX_TICKET_LINES: usize = 6;
/// The largest first number of a day: numbers show at most five digits.
pub const MAX_START_NUMBER: u32 = 9_999;
/// Retention bounds: at least a month (complaints arrive late), at most ten years.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 30..=3650;

fn text(field: &'static str, s: &str, required: bool, max: usize) -> Result<(), Error> {
    if required && s.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(Error::invalid(field, format!("at most {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// A ticket header or footer: empty (nothing printed), or at most
/// [`MAX_TICKET_LINES`] lines and [`MAX_TICKET_TEXT`] characters in all.
fn ticket_text(field: &'static str, s: &str) -> Result<(), Error> {
    text(field, s, false, MAX_TICKET_TEXT)?;
    let lines = s.lines().filter(|l| !l.trim().is_empty()).count();
    if lines > MAX_TICKET_LINES {
        return Err(Error::invalid(
            field,
            format!("at most {MAX_TICKET_LINES} lines"),
        ));
    }
    Ok(())
}

/// Hours an administrator can set: at least one session and one working day,
/// sessions in order, no day twice.
pub fn check_hours(field: &'static str, h: &OpeningHours) -> Result<(), Error> {
    h.validate()
        .map_err(|e| Error::invalid(field, reason(&e)))?;
    if h.sessions.is_empty() {
        return Err(Error::invalid(field, "at least one session is needed"));
    }
    if h.working_days.is_empty() {
        return Err(Error::invalid(field, "at least one working day is needed"));
    }
    let days: HashSet<_> = h.working_days.iter().collect();
    if days.len() != h.working_days.len() {
        return Err(Error::invalid(field, "a working day is listed twice"));
    }
    Ok(())
}

fn reason(e: &Error) -> String {
    match e {
        Error::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

impl Centre {
    /// Every setting on its own; the code is the centre's identity and is
    /// checked by its type.
    pub fn validate(&self) -> Result<(), Error> {
        text("name", &self.name, true, MAX_TEXT)?;
        text("name_en", &self.name_en, true, MAX_TEXT)?;
        text("address", &self.address, false, MAX_TEXT)?;
        text("hotline", &self.hotline, false, 40)?;
        self.tz()?;
        check_hours("hours", &self.hours)?;
        if self.priority_classes.is_empty() {
            return Err(Error::invalid(
                "priority_classes",
                "keep at least one class",
            ));
        }
        let mut seen = HashSet::new();
        for p in &self.priority_classes {
            if !seen.insert(p.code.as_str()) {
                return Err(Error::invalid(
                    "priority_classes",
                    format!("`{}` is listed twice", p.code.as_str()),
                ));
            }
            text("priority_classes", &p.name, true, MAX_TEXT)?;
            text("priority_classes", &p.name_en, true, MAX_TEXT)?;
        }
        for (field, phrase) in [
            ("announcement_vi", &self.announcement_vi),
            ("announcement_en", &self.announcement_en),
        ] {
            text(field, phrase, true, MAX_TEXT)?;
            if !phrase.contains("{number}") || !phrase.contains("{counter}") {
                return Err(Error::invalid(
                    field,
                    "the phrase must contain {number} and {counter}",
                ));
            }
        }
        if !(1..=10).contains(&self.no_show_after_recalls) {
            return Err(Error::invalid("no_show_after_recalls", "1 to 10 recalls"));
        }
        ticket_text("ticket_header", &self.ticket_header)?;
        ticket_text("ticket_footer", &self.ticket_footer)?;
        if !RETENTION_DAYS.contains(&self.data_retention_days) {
            return Err(Error::invalid(
                "data_retention_days",
                "keep data 30 to 3650 days",
            ));
        }
        if let Some(p) = &self.dossier_pattern {
            crate::dossier::DossierPattern::parse(p)?;
        }
        if let Some(t) = &self.evaluation_url_template {
            crate::dossier::check_evaluation_template(t)?;
        }
        Ok(())
    }
}

impl Service {
    pub fn validate(&self) -> Result<(), Error> {
        text("name", &self.name, true, MAX_TEXT)?;
        text("name_en", &self.name_en, true, MAX_TEXT)?;
        if !(1..=MAX_START_NUMBER).contains(&self.start_number) {
            return Err(Error::invalid("start_number", "1 to 9999"));
        }
        if self.daily_cap.is_some_and(|c| !(1..=9_999).contains(&c)) {
            return Err(Error::invalid("daily_cap", "1 to 9999, or none"));
        }
        if !(1..=480).contains(&self.mean_service_minutes) {
            return Err(Error::invalid("mean_service_minutes", "1 to 480 minutes"));
        }
        if let Some(h) = &self.hours {
            check_hours("hours", h)?;
        }
        if self.examples.len() > 20 {
            return Err(Error::invalid("examples", "at most 20 examples"));
        }
        for e in &self.examples {
            text("examples", e, true, MAX_TEXT)?;
        }
        text("short_name", &self.short_name, false, MAX_SHORT_NAME)?;
        text("short_name_en", &self.short_name_en, false, MAX_SHORT_NAME)?;
        for (field, target) in [
            ("target_wait_minutes", self.target_wait_minutes),
            ("target_service_minutes", self.target_service_minutes),
        ] {
            if target.is_some_and(|m| !(1..=480).contains(&m)) {
                return Err(Error::invalid(field, "1 to 480 minutes, or none"));
            }
        }
        text("note", &self.note, false, MAX_NOTE)
    }
}

impl Counter {
    pub fn validate(&self) -> Result<(), Error> {
        text("name", &self.name, true, MAX_TEXT)?;
        let distinct: HashSet<_> = self.serves.iter().collect();
        if distinct.len() != self.serves.len() {
            return Err(Error::invalid("serves", "a service is listed twice"));
        }
        Ok(())
    }
}

/// Whether two prefixes could print the same number: equal, or one is the other
/// followed by digits (`1` + `2001` and `12` + `001` both read `12001`).
pub fn prefixes_clash(a: &TicketPrefix, b: &TicketPrefix) -> bool {
    let (a, b) = (a.as_str(), b.as_str());
    let extends = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.bytes().all(|c| c.is_ascii_digit()))
    };
    extends(a, b) || extends(b, a)
}

/// The first service code in `serves` that is not among `known`.
pub fn unknown_service<'a>(
    serves: &'a [ServiceCode],
    known: &[ServiceCode],
) -> Option<&'a ServiceCode> {
    serves.iter().find(|s| !known.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CounterNumber, CounterState};

    fn prefix(s: &str) -> TicketPrefix {
        TicketPrefix::parse(s).unwrap()
    }

    fn service() -> Service {
        Service {
            code: ServiceCode::parse("A").unwrap(),
            prefix: prefix("A"),
            name: "Tư pháp".into(),
            name_en: "Justice".into(),
            start_number: 1,
            daily_cap: None,
            mean_service_minutes: 10,
            hours: None,
            active: true,
            examples: vec![],
            note: String::new(),
            short_name: String::new(),
            short_name_en: String::new(),
            target_wait_minutes: None,
            target_service_minutes: None,
        }
    }

    #[test]
    fn prefixes_that_print_alike_clash() {
        assert!(prefixes_clash(&prefix("A"), &prefix("A")));
        assert!(prefixes_clash(&prefix("1"), &prefix("12")));
        assert!(prefixes_clash(&prefix("A1"), &prefix("A")));
        assert!(!prefixes_clash(&prefix("A"), &prefix("AB")));
        assert!(!prefixes_clash(&prefix("A"), &prefix("B")));
    }

    #[test]
    fn services_are_checked_field_by_field() {
        service().validate().unwrap();
        let field = |s: Service| match s.validate() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(Service {
                name: " ".into(),
                ..service()
            }),
            "name"
        );
        assert_eq!(
            field(Service {
                start_number: 0,
                ..service()
            }),
            "start_number"
        );
        assert_eq!(
            field(Service {
                daily_cap: Some(0),
                ..service()
            }),
            "daily_cap"
        );
        assert_eq!(
            field(Service {
                mean_service_minutes: 0,
                ..service()
            }),
            "mean_service_minutes"
        );
        let no_days = OpeningHours {
            working_days: vec![],
            ..OpeningHours::default()
        };
        assert_eq!(
            field(Service {
                hours: Some(no_days),
                ..service()
            }),
            "hours"
        );
    }

    fn centre() -> Centre {
        Centre {
            code: crate::CentreCode::parse("mo-cay").unwrap(),
            name: "Trung tâm".into(),
            name_en: "Centre".into(),
            address: String::new(),
            hotline: String::new(),
            timezone: "Asia/Ho_Chi_Minh".into(),
            hours: OpeningHours::default(),
            priority_classes: crate::default_priority_classes(),
            announcement_vi: "Mời số {number} đến quầy {counter}".into(),
            announcement_en: "Number {number} to counter {counter}".into(),
            no_show_after_recalls: 3,
            remote_tickets: false,
            enforce_hours: true,
            ticket_header: String::new(),
            ticket_footer: String::new(),
            data_retention_days: 730,
            dossier_pattern: None,
            evaluation_url_template: None,
            call_next_unstarted: Default::default(),
            print_documents: false,
        }
    }

    #[test]
    fn ticket_header_and_footer_fit_what_prints() {
        let field = |c: Centre| match c.validate() {
            Err(Error::Invalid { field, reason }) => (field, reason),
            other => panic!("{other:?}"),
        };
        centre().validate().unwrap();
        // Up to six lines and 240 characters, blank lines not counted.
        let six = "UBND XÃ MỎ CÀY\n\nKính chào\n3\n4\n5\n6\n";
        let ok = Centre {
            ticket_header: six.into(),
            ticket_footer: "ả".repeat(MAX_TICKET_TEXT),
            ..centre()
        };
        ok.validate().unwrap();
        let (f, why) = field(Centre {
            ticket_header: format!("{six}7"),
            ..centre()
        });
        assert_eq!((f, why.as_str()), ("ticket_header", "at most 6 lines"));
        let (f, why) = field(Centre {
            ticket_footer: "ả".repeat(MAX_TICKET_TEXT + 1),
            ..centre()
        });
        assert_eq!(
            (f, why.as_str()),
            ("ticket_footer", "at most 240 characters")
        );
        let (f, _) = field(Centre {
            ticket_footer: "tab\there".into(),
            ..centre()
        });
        assert_eq!(f, "ticket_footer");
    }

    #[test]
    fn counters_list_a_service_once() {
        let a = ServiceCode::parse("A").unwrap();
        let k = Counter {
            number: CounterNumber::new(1).unwrap(),
            name: "Quầy 1".into(),
            serves: vec![a.clone(), a.clone()],
            state: CounterState::Open,
        };
        assert!(k.validate().is_err());
        let b = ServiceCode::parse("B").unwrap();
        assert_eq!(unknown_service(&[a.clone(), b.clone()], &[a]), Some(&b));
    }
}
