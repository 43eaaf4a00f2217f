//! The demo centre: a realistic commune centre (xã Mỏ Cày, Quảng Ngãi) with six
//! services and four counters, kept as data inside the binary so a newcomer sees
//! the system work at once. Seeded only into an empty database.

use jiff::Timestamp;
use luot_domain::{
    default_priority_classes, Centre, CentreCode, Counter, CounterNumber, CounterState,
    OpeningHours, PriorityClass, Service, ServiceCode, TicketPrefix, Weekday,
};
use luot_store::{CentreSetup, Store};
use serde::Deserialize;

const DEMO_JSON: &str = include_str!("../demo/mo-cay.json");

#[derive(Deserialize)]
struct DemoFile {
    centre: DemoCentre,
    services: Vec<DemoService>,
    counters: Vec<DemoCounter>,
    priority_classes: Vec<PriorityClass>,
    announcement: Announcement,
}

#[derive(Deserialize)]
struct DemoCentre {
    code: String,
    name: String,
    name_en: String,
    province: String,
    timezone: String,
    hours: Vec<(jiff::civil::Time, jiff::civil::Time)>,
    working_days: Vec<Weekday>,
}

#[derive(Deserialize)]
struct DemoService {
    code: String,
    prefix: String,
    name: String,
    name_en: String,
    examples: Vec<String>,
    mean_service_minutes: u32,
}

#[derive(Deserialize)]
struct DemoCounter {
    number: i64,
    name: String,
    serves: Vec<String>,
}

#[derive(Deserialize)]
struct Announcement {
    phrase_vi: String,
    phrase_en: String,
}

/// The demo centre as a setup the store can create.
pub fn setup() -> Result<CentreSetup, luot_domain::Error> {
    let file: DemoFile = serde_json::from_str(DEMO_JSON)
        .map_err(|e| luot_domain::Error::invalid("demo", e.to_string()))?;
    let c = file.centre;
    let centre = Centre {
        code: CentreCode::parse(&c.code)?,
        name: c.name,
        name_en: c.name_en,
        address: format!("Xã Mỏ Cày, tỉnh {}", c.province),
        hotline: "1900 0000".into(),
        timezone: c.timezone,
        hours: OpeningHours {
            sessions: c.hours,
            working_days: c.working_days,
        },
        priority_classes: if file.priority_classes.is_empty() {
            default_priority_classes()
        } else {
            file.priority_classes
        },
        announcement_vi: file.announcement.phrase_vi,
        announcement_en: file.announcement.phrase_en,
        no_show_after_recalls: 1,
        remote_tickets: false,
        // A demo is tried at any hour; a real centre refuses tickets when closed.
        enforce_hours: false,
    };
    let services = file
        .services
        .into_iter()
        .map(|s| {
            Ok(Service {
                code: ServiceCode::parse(&s.code)?,
                prefix: TicketPrefix::parse(&s.prefix)?,
                name: s.name,
                name_en: s.name_en,
                start_number: 1,
                daily_cap: Some(300),
                mean_service_minutes: s.mean_service_minutes,
                hours: None,
                active: true,
                examples: s.examples,
            })
        })
        .collect::<Result<Vec<_>, luot_domain::Error>>()?;
    let counters = file
        .counters
        .into_iter()
        .map(|k| {
            Ok(Counter {
                number: CounterNumber::new(k.number)?,
                name: k.name,
                serves: k
                    .serves
                    .iter()
                    .map(|s| ServiceCode::parse(s))
                    .collect::<Result<_, _>>()?,
                state: CounterState::Open,
            })
        })
        .collect::<Result<Vec<_>, luot_domain::Error>>()?;
    Ok(CentreSetup {
        centre,
        services,
        counters,
    })
}

/// Seeds the demo centre if the database is empty. Returns whether it did.
pub async fn seed_if_empty(store: &dyn Store, now: Timestamp) -> anyhow::Result<bool> {
    if !store.is_empty().await? {
        return Ok(false);
    }
    match store.create_centre(setup()?, now).await {
        Ok(()) => Ok(true),
        // Another process seeded it between our check and our write.
        Err(luot_store::Error::Conflict(luot_store::Conflict::AlreadyExists)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_file_parses() {
        let s = super::setup().unwrap();
        assert_eq!(s.centre.code.as_str(), "mo-cay");
        assert_eq!(s.services.len(), 6);
        assert_eq!(s.counters.len(), 4);
        assert_eq!(s.counters[1].serves.len(), 3);
    }
}
