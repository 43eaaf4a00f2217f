//! Report downloads: CSV (UTF-8 with a byte-order mark, so Excel shows
//! Vietnamese) and XLSX (via `rust_xlsxwriter`). Both carry the same columns,
//! Vietnamese headings first with the English in brackets. Satisfaction is the
//! share of ratings at "Rất hài lòng" or "Hài lòng", in percent, beside the
//! count at each level and the mean on the 1 to 5 scale. The share within
//! target counts called tickets of services with a target waiting time, the
//! share within the target service time served tickets of services with one
//! (start to completion, as the mean service time); the
//! XLSX adds one sheet each of totals per service, officer and day (the CSV's
//! rows carry the counts, so a spreadsheet sums them the same way).

use luot_store::{Report, ReportRow, ReportTotal, ServiceTargetShare, TargetShare};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Column headings, in order.
pub const HEADINGS: [&str; 28] = [
    "Ngày (Date)",
    "Mã lĩnh vực (Service code)",
    "Lĩnh vực (Service)",
    "Quầy (Counter)",
    "Đã cấp số (Issued)",
    "Đã phục vụ (Served)",
    "Vắng mặt (No-shows)",
    "Đã hủy (Cancelled)",
    "Chờ trung bình, phút (Mean wait, min)",
    "Phục vụ trung bình, phút (Mean service, min)",
    "Số lượt đánh giá (Ratings)",
    "Rất hài lòng (Very satisfied)",
    "Hài lòng (Satisfied)",
    "Bình thường (Neutral)",
    "Không hài lòng (Dissatisfied)",
    "Rất không hài lòng (Very dissatisfied)",
    "Hài lòng và rất hài lòng, % (Satisfied or very satisfied, %)",
    "Điểm đánh giá trung bình, 1-5 (Mean rating, 1-5)",
    "Hết hạn cuối ngày (Expired at day end)",
    "Cán bộ (Officer)",
    "Chỉ tiêu chờ, phút (Target wait, min)",
    "Đã gọi, lĩnh vực có chỉ tiêu (Called, service with a target)",
    "Gọi trong chỉ tiêu (Called within target)",
    "Trong chỉ tiêu, % (Within target, %)",
    "Chỉ tiêu phục vụ, phút (Target service time, min)",
    SERVICE_TARGET_HEADINGS[0],
    SERVICE_TARGET_HEADINGS[1],
    SERVICE_TARGET_HEADINGS[2],
];

/// The share served within the target service time, on every sheet.
const SERVICE_TARGET_HEADINGS: [&str; 3] = [
    "Đã phục vụ, lĩnh vực có chỉ tiêu phục vụ (Served, service with a service-time target)",
    "Phục vụ trong chỉ tiêu thời gian (Served within target time)",
    "Phục vụ trong chỉ tiêu, % (Served within target time, %)",
];

/// Columns of the totals sheets; the first names the dimension.
const TOTAL_HEADINGS: [&str; 12] = [
    "",
    "Tên (Name)",
    "Đã cấp số (Issued)",
    "Đã phục vụ (Served)",
    "Vắng mặt (No-shows)",
    "Hết hạn cuối ngày (Expired at day end)",
    "Đã gọi, lĩnh vực có chỉ tiêu (Called, service with a target)",
    "Gọi trong chỉ tiêu (Called within target)",
    "Trong chỉ tiêu, % (Within target, %)",
    SERVICE_TARGET_HEADINGS[0],
    SERVICE_TARGET_HEADINGS[1],
    SERVICE_TARGET_HEADINGS[2],
];

/// One cell: text, a number, or empty (no data, e.g. no ticket was called).
enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

/// Counted, within, percent (empty when nothing counted).
fn share_cells(counted: u32, within: u32, percent: Option<f64>) -> [Cell; 3] {
    [
        Cell::Num(f64::from(counted)),
        Cell::Num(f64::from(within)),
        percent.map_or(Cell::Empty, Cell::Num),
    ]
}

/// Both shares within target: called within the target wait, then served
/// within the target service time.
fn target_cells(t: &TargetShare, s: &ServiceTargetShare) -> [Cell; 6] {
    let [a, b, c] = share_cells(t.called, t.within, t.percent);
    let [d, e, f] = share_cells(s.served, s.within, s.percent);
    [a, b, c, d, e, f]
}

fn total_cells(t: &ReportTotal) -> Vec<Cell> {
    let n = |v: u32| Cell::Num(f64::from(v));
    let mut out = vec![
        Cell::Text(t.key.clone()),
        Cell::Text(t.name.clone()),
        n(t.issued),
        n(t.served),
        n(t.no_shows),
        n(t.expired),
    ];
    out.extend(target_cells(&t.target, &t.service_target));
    out
}

fn cells(r: &ReportRow) -> Vec<Cell> {
    let opt = |v: Option<f64>| v.map_or(Cell::Empty, Cell::Num);
    let n = |v: u32| Cell::Num(f64::from(v));
    let levels = &r.rating_counts;
    let row = [
        Cell::Text(r.day.to_string()),
        Cell::Text(r.service.to_string()),
        Cell::Text(r.service_name.clone()),
        r.counter
            .map_or(Cell::Empty, |c| Cell::Num(f64::from(c.get()))),
        n(r.issued),
        n(r.served),
        n(r.no_shows),
        n(r.cancelled),
        opt(r.mean_wait_minutes),
        opt(r.mean_service_minutes),
        n(r.ratings),
        n(levels.very_satisfied),
        n(levels.satisfied),
        n(levels.neutral),
        n(levels.dissatisfied),
        n(levels.very_dissatisfied),
        opt(r.satisfaction),
        opt(r.mean_rating),
        n(r.expired),
        r.officer.as_ref().map_or(Cell::Empty, |o| {
            Cell::Text(r.officer_name.clone().unwrap_or(o.clone()))
        }),
        r.target_wait_minutes.map_or(Cell::Empty, n),
    ];
    let mut out = Vec::from(row);
    let [called, within, percent, served, served_within, served_percent] =
        target_cells(&r.target, &r.service_target);
    out.extend([
        called,
        within,
        percent,
        r.target_service_minutes
            .map_or(Cell::Empty, |m| Cell::Num(f64::from(m))),
        served,
        served_within,
        served_percent,
    ]);
    out
}

/// Quotes a CSV field when it holds a separator, a quote or a line break; a
/// leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet never
/// runs a name an administrator typed as a formula.
fn csv_field(s: &str, out: &mut String) {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&s);
    }
}

pub fn csv(report: &Report) -> Vec<u8> {
    csv_table(&HEADINGS, report.rows.iter().map(cells).collect())
}

/// The rows on the first sheet, then totals per service, officer and day.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let totals = |first: &'static str, totals: &[ReportTotal]| {
        let mut headings = TOTAL_HEADINGS;
        headings[0] = first;
        Sheet {
            name: first.split(" (").next().unwrap_or(first),
            headings: headings.to_vec(),
            rows: totals.iter().map(total_cells).collect(),
            wide: 1,
        }
    };
    xlsx_book(vec![
        Sheet {
            name: "Báo cáo",
            headings: HEADINGS.to_vec(),
            rows: report.rows.iter().map(cells).collect(),
            wide: 2,
        },
        totals("Lĩnh vực (Service)", &report.by_service),
        totals("Cán bộ (Officer)", &report.by_officer),
        totals("Ngày (Date)", &report.by_day),
    ])
}

/// Columns of the per-dossier export, in the shape the provincial one-stop
/// system imports: dossier code, service, officer, rating level, comment, time.
pub const DOSSIER_HEADINGS: [&str; 13] = [
    "Mã hồ sơ (Dossier code)",
    "Số phiếu (Ticket)",
    "Mã lĩnh vực (Service code)",
    "Lĩnh vực (Service)",
    "Quầy (Counter)",
    "Cán bộ (Officer)",
    "Lấy số lúc (Issued at)",
    "Gọi lúc (Called at)",
    "Xong lúc (Finished at)",
    "Chờ, phút (Wait, min)",
    "Mức đánh giá, 1-5 (Rating, 1-5)",
    "Ý kiến (Comment)",
    "Đánh giá lúc (Rated at)",
];

fn dossier_cells(r: &luot_store::integration::DossierRow, tz: &jiff::tz::TimeZone) -> Vec<Cell> {
    let time = |t: Option<jiff::Timestamp>| {
        t.map_or(Cell::Empty, |t| {
            Cell::Text(
                t.to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            )
        })
    };
    let text = |t: Option<&str>| t.map_or(Cell::Empty, |t| Cell::Text(t.to_owned()));
    vec![
        Cell::Text(r.dossier_code.clone()),
        Cell::Text(r.ticket.clone()),
        Cell::Text(r.service.to_string()),
        Cell::Text(r.service_name.clone()),
        r.counter
            .map_or(Cell::Empty, |c| Cell::Num(f64::from(c.get()))),
        text(r.officer.as_deref()),
        time(Some(r.issued_at)),
        time(r.called_at),
        time(r.finished_at),
        r.wait_minutes.map_or(Cell::Empty, Cell::Num),
        r.rating.map_or(Cell::Empty, |v| Cell::Num(f64::from(v))),
        text(r.comment.as_deref()),
        time(r.rated_at),
    ]
}

pub fn dossiers_csv(
    rows: &[luot_store::integration::DossierRow],
    tz: &jiff::tz::TimeZone,
) -> Vec<u8> {
    csv_table(
        &DOSSIER_HEADINGS,
        rows.iter().map(|r| dossier_cells(r, tz)).collect(),
    )
}

pub fn dossiers_xlsx(
    rows: &[luot_store::integration::DossierRow],
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<u8>, XlsxError> {
    xlsx_book(vec![Sheet {
        name: "Hồ sơ",
        headings: DOSSIER_HEADINGS.to_vec(),
        rows: rows.iter().map(|r| dossier_cells(r, tz)).collect(),
        wide: 3,
    }])
}

fn csv_table(headings: &[&str], rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |fields: Vec<String>, out: &mut String| {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(f, out);
        }
        out.push_str("\r\n");
    };
    line(headings.iter().map(|h| h.to_string()).collect(), &mut out);
    for r in rows {
        let fields = r
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => t,
                Cell::Num(n) => n.to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        line(fields, &mut out);
    }
    out.into_bytes()
}

/// One sheet of a workbook; column `wide` is the wide one.
struct Sheet<'a> {
    name: &'a str,
    headings: Vec<&'a str>,
    rows: Vec<Vec<Cell>>,
    wide: usize,
}

/// A workbook of sheets with bold, frozen headings.
fn xlsx_book(sheets: Vec<Sheet>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(s.name)?;
        for (col, h) in s.headings.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *h, &bold)?;
            sheet.set_column_width(col as u16, if col == s.wide { 36 } else { 14 })?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (i, r) in s.rows.into_iter().enumerate() {
            let row = i as u32 + 1;
            for (col, c) in r.into_iter().enumerate() {
                match c {
                    Cell::Text(t) => sheet.write_string(row, col as u16, t)?,
                    Cell::Num(n) => sheet.write_number(row, col as u16, n)?,
                    Cell::Empty => sheet,
                };
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_defused() {
        let f = |s: &str| {
            let mut o = String::new();
            csv_field(s, &mut o);
            o
        };
        assert_eq!(f("Tư pháp - Hộ tịch"), "Tư pháp - Hộ tịch");
        assert_eq!(f("a,b"), "\"a,b\"");
        assert_eq!(f("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(f("=SUM(A1)"), "'=SUM(A1)");
    }
}
