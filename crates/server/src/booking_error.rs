//! Booking and check-in refusals as API errors: a stable code each, messages in
//! Vietnamese and English, and what the client needs to act on (the next free
//! slots of a full slot, when to come back, which service to take a ticket for).

use axum::http::StatusCode;
use luot_domain::{booking::Refusal, NoSlots};

use crate::error::ApiError;

pub fn refusal(r: Refusal) -> ApiError {
    use StatusCode as S;
    let en = r.to_string();
    match r {
        Refusal::NoSlots(why) => {
            let vi = match why {
                NoSlots::Holiday => "Ngày lễ, trung tâm không nhận lịch hẹn",
                NoSlots::NotAWorkingDay => "Ngày này trung tâm không làm việc",
                NoSlots::BookingDisabled => "Lĩnh vực này chưa nhận đặt lịch trực tuyến",
                NoSlots::OutsideHorizon => "Ngày này nằm ngoài thời gian được đặt lịch",
            };
            ApiError::new(S::CONFLICT, "no_slots", vi, en).with("reason", why)
        }
        Refusal::NotASlot => ApiError::new(
            S::UNPROCESSABLE_ENTITY,
            "not_a_slot",
            "Thời điểm này không phải là một khung giờ hẹn",
            en,
        ),
        Refusal::TooSoon => ApiError::new(
            S::CONFLICT,
            "too_soon",
            "Khung giờ này đã quá gần, vui lòng chọn giờ muộn hơn",
            en,
        ),
        Refusal::SlotFull { next } => {
            ApiError::new(S::CONFLICT, "slot_full", "Khung giờ này đã hết chỗ", en)
                .with("next_slots", next)
        }
        Refusal::LimitReached { per_service, limit } => ApiError::new(
            S::CONFLICT,
            "limit_reached",
            if per_service {
                "Bạn đã có lịch hẹn cho lĩnh vực này trong ngày".to_owned()
            } else {
                format!("Mỗi người được đặt tối đa {limit} lịch hẹn mỗi ngày")
            },
            en,
        )
        .with("per_service", per_service)
        .with("limit", limit),
        Refusal::ConsentRequired => ApiError::new(
            S::UNPROCESSABLE_ENTITY,
            "consent_required",
            "Cần đồng ý xử lý dữ liệu cá nhân để đặt lịch",
            en,
        )
        .with("consent_version", luot_domain::booking::CONSENT.version),
        Refusal::TooEarly { opens_at } => ApiError::new(
            S::CONFLICT,
            "too_early",
            "Chưa đến giờ xác nhận lịch hẹn, vui lòng quay lại sau",
            en,
        )
        .with("come_back_at", opens_at),
        Refusal::TooLate { service } => ApiError::new(
            S::CONFLICT,
            "too_late",
            "Đã quá giờ hẹn; vui lòng lấy số thứ tự thông thường",
            en,
        )
        .with("walk_in", serde_json::json!({ "service": service })),
        Refusal::NotActive { status } => ApiError::new(
            S::CONFLICT,
            "appointment_not_active",
            "Lịch hẹn đã bị hủy hoặc đã hết hiệu lực",
            en,
        )
        .with("status", status),
        // Staff only (kiosks get the ticket again): so a counter never takes
        // another's check-in for its own.
        Refusal::AlreadyCheckedIn { ticket } => ApiError::new(
            S::CONFLICT,
            "already_checked_in",
            format!("Lịch hẹn này đã được xác nhận trước đó, số thứ tự {ticket}"),
            en,
        )
        .with("ticket", ticket),
    }
}
