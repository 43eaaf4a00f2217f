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
    /// The board's short name, for the long ones.
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    short_name_en: String,
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
        ticket_header: String::new(),
        ticket_footer: "Vui lòng chú ý màn hình và loa gọi số.".into(),
        data_retention_days: luot_domain::centre::default_retention_days(),
        dossier_pattern: None,
        evaluation_url_template: None,
        call_next_unstarted: Default::default(),
        print_documents: false,
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
                note: String::new(),
                short_name: s.short_name,
                short_name_en: s.short_name_en,
                target_wait_minutes: Some(30),
                target_service_minutes: None,
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
    let setup = setup()?;
    let code = setup.centre.code.clone();
    match store.create_centre(setup, now).await {
        Ok(()) => {
            seed_booking(store, &code).await?;
            Ok(true)
        }
        // Another process seeded it between our check and our write.
        Err(luot_store::Error::Conflict(luot_store::Conflict::CentreCodeTaken)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// What to bring, per demo service (Vietnamese, English).
fn bring_note(service: &str) -> (&'static str, &'static str) {
    match service {
        "A" => (
            "CCCD; giấy chứng sinh (khai sinh) hoặc giấy tờ liên quan đến việc hộ tịch",
            "Citizen ID card; birth certificate or the papers for the civil-status matter",
        ),
        "B" => (
            "CCCD; bản chính và bản sao giấy tờ cần chứng thực",
            "Citizen ID card; the original and the copies to certify",
        ),
        "C" => (
            "CCCD; giấy chứng nhận quyền sử dụng đất; hồ sơ kỹ thuật (nếu có)",
            "Citizen ID card; land use right certificate; technical documents (if any)",
        ),
        _ => (
            "CCCD và các giấy tờ liên quan",
            "Citizen ID card and related papers",
        ),
    }
}

/// Demo holidays: Tết Đinh Mùi 2027 and the national holidays around the demo.
pub fn holidays() -> Vec<luot_store::Holiday> {
    let d = |y, m, d| jiff::civil::date(y, m, d);
    let mut list = vec![
        (d(2026, 9, 2), "Quốc khánh"),
        (d(2027, 1, 1), "Tết Dương lịch"),
        (d(2027, 4, 16), "Giỗ Tổ Hùng Vương"),
        (d(2027, 4, 30), "Ngày Giải phóng miền Nam"),
        (d(2027, 5, 1), "Quốc tế Lao động"),
        (d(2027, 9, 2), "Quốc khánh"),
    ];
    // Tết Nguyên đán: 29 tháng Chạp to mùng 5 (4-10 February 2027).
    list.extend((4..=10).map(|day| (d(2027, 2, day), "Tết Nguyên đán")));
    list.sort_by_key(|(date, _)| *date);
    list.into_iter()
        .map(|(date, name)| luot_store::Holiday {
            date,
            name: name.into(),
        })
        .collect()
}

/// Booking settings per service and the holiday list of the demo centre.
async fn seed_booking(store: &dyn Store, centre: &CentreCode) -> anyhow::Result<()> {
    for s in setup()?.services {
        let (vi, en) = bring_note(s.code.as_str());
        let settings = luot_domain::BookingSettings {
            slot_minutes: if s.mean_service_minutes >= 15 { 30 } else { 15 },
            capacity: 2,
            bring_note: vi.into(),
            bring_note_en: en.into(),
            ..Default::default()
        };
        store
            .set_booking_settings(centre, &s.code, settings, None)
            .await?;
    }
    store.set_holidays(centre, holidays()).await?;
    Ok(())
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

    #[test]
    fn demo_holidays_include_tet() {
        let h = super::holidays();
        assert!(h
            .iter()
            .any(|h| h.date == jiff::civil::date(2027, 2, 6) && h.name.contains("Tết")));
        assert!(h.windows(2).all(|w| w[0].date < w[1].date));
    }
}
