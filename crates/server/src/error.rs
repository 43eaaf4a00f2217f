//! The API's error type. Every failure a client can cause becomes a 4xx with a
//! stable machine `code` and a message in Vietnamese (`message`) and English
//! (`message_en`); server faults become a 500 whose details are logged, never sent.

use axum::{
    extract::rejection::{JsonRejection, PathRejection, QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use luot_store::{Conflict, Error as StoreError};
use serde::Serialize;

/// An error as the client sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `not_found`, `daily_cap_reached`.
    pub code: &'static str,
    /// For people, in Vietnamese.
    pub message: String,
    /// For people, in English.
    pub message_en: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// More fields for the JSON body, e.g. `next_slots` of a full slot.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            body: ErrorBody {
                code,
                message: vi.into(),
                message_en: en.into(),
            },
            extra: serde_json::Map::new(),
            retry_after: None,
        }
    }

    /// Adds a field to the JSON body.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        if let Ok(v) = serde_json::to_value(value) {
            self.extra.insert(key.to_owned(), v);
        }
        self
    }

    /// 400 for a request that does not have the required shape.
    pub fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", vi, en)
    }

    pub fn not_found(what: &str) -> Self {
        let vi = match what {
            "centre" => "Không tìm thấy trung tâm",
            "service" => "Không tìm thấy lĩnh vực",
            "counter" => "Không tìm thấy quầy",
            "holiday" => "Không tìm thấy ngày nghỉ",
            "ticket" => "Không tìm thấy số thứ tự",
            "account" => "Không tìm thấy tài khoản",
            "kiosk" => "Không tìm thấy kiosk",
            "print job" => "Không tìm thấy lệnh in",
            _ => "Không tìm thấy",
        };
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            vi,
            format!("{what} not found"),
        )
    }

    /// 401: no credentials, or credentials that name nobody.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Cần đăng nhập",
            "Sign-in required",
        )
    }

    /// 403: known caller, wrong audience for this endpoint.
    pub fn forbidden(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", vi, en)
    }

    /// 500: the detail goes to the log, the client gets a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Lỗi hệ thống, vui lòng thử lại",
            "Internal error, please try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = match serde_json::to_value(&self.body) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        body.extend(self.extra);
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        use luot_domain::Error as D;
        use StatusCode as S;
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Conflict(c) => {
                let (code, vi) = match c {
                    Conflict::NoCurrentTicket => ("no_current_ticket", "Quầy chưa gọi số nào"),
                    Conflict::IdempotencyKeyReused => (
                        "idempotency_key_reused",
                        "Idempotency-Key đã được dùng cho một yêu cầu khác",
                    ),
                    Conflict::ServiceInactive => {
                        ("service_inactive", "Lĩnh vực này tạm ngừng nhận hồ sơ")
                    }
                    Conflict::RecallFirst => {
                        ("recall_first", "Hãy gọi lại trước khi đánh dấu vắng mặt")
                    }
                    Conflict::AlreadyExists => ("already_exists", "Đã tồn tại"),
                    Conflict::CentreCodeTaken => {
                        ("centre_code_taken", "Mã trung tâm đã được trung tâm khác dùng")
                    }
                    Conflict::ServiceCodeTaken => (
                        "service_code_taken",
                        "Mã lĩnh vực đã được lĩnh vực khác của trung tâm dùng",
                    ),
                    Conflict::CounterNumberTaken => {
                        ("counter_number_taken", "Số quầy này đã có")
                    }
                    Conflict::UsernameTaken => (
                        "username_taken",
                        "Tên đăng nhập đã được dùng (kể cả bởi tài khoản đã ngừng sử dụng)",
                    ),
                    Conflict::NotWaiting => ("ticket_taken", "Số này đã được quầy khác gọi"),
                    Conflict::AlreadyRated => ("already_rated", "Số này đã được đánh giá"),
                    Conflict::NotServed => {
                        ("not_served", "Chỉ đánh giá được sau khi đã được phục vụ")
                    }
                    Conflict::DuplicatePrefix => (
                        "duplicate_prefix",
                        "Ký hiệu số đã được lĩnh vực khác dùng (hoặc in ra trùng số)",
                    ),
                    Conflict::NumberingInUse => (
                        "numbering_in_use",
                        "Hôm nay đã cấp số: chỉ đổi ký hiệu, số bắt đầu hoặc múi giờ từ ngày làm việc sau",
                    ),
                    Conflict::InUse => (
                        "in_use",
                        "Đã có số thứ tự liên quan: hãy tạm ngừng hoặc đóng thay vì xóa",
                    ),
                    Conflict::UnknownService => {
                        ("unknown_service", "Danh sách của quầy có lĩnh vực không tồn tại")
                    }
                    Conflict::LastAdmin => (
                        "last_admin",
                        "Đây là tài khoản quản trị cuối cùng còn hoạt động: hãy tạo hoặc kích hoạt một quản trị viên khác trước",
                    ),
                    Conflict::NotLeased => (
                        "not_leased",
                        "Số này không thuộc dải số đã cấp cho kiosk trong ngày đó",
                    ),
                    Conflict::NumberTaken => {
                        ("number_taken", "Số này đã được cấp cho một phiếu khác")
                    }
                    Conflict::TicketEnded => ("ticket_ended", "Số này đã kết thúc"),
                    Conflict::OtherCountersTicket => (
                        "other_counters_ticket",
                        "Số này thuộc hàng chờ của quầy khác: quầy chỉ chuyển đi số của mình",
                    ),
                    Conflict::NoNotifier => (
                        "notices_unavailable",
                        "Trung tâm chưa gửi tin báo sắp đến lượt",
                    ),
                    Conflict::ReprintUsed => (
                        "reprint_used",
                        "Phiếu này đã được in lại một lần: mời hỏi cán bộ",
                    ),
                    Conflict::ReprintNotNeeded => {
                        ("reprint_not_needed", "Phiếu đã in xong hoặc đang in")
                    }
                    Conflict::ReprintTooLate => (
                        "reprint_too_late",
                        "Đã quá thời gian in lại tại kiosk: mời hỏi cán bộ",
                    ),
                };
                // A list naming what does not exist is a bad body, not a state clash.
                let status = match c {
                    Conflict::UnknownService => S::UNPROCESSABLE_ENTITY,
                    // Not this counter's to move: a question of who, not of state.
                    Conflict::OtherCountersTicket => S::FORBIDDEN,
                    _ => S::CONFLICT,
                };
                Self::new(status, code, vi, c.to_string())
            }
            StoreError::Rule(rule) => {
                let en = rule.to_string();
                match rule {
                    // `field` names the form field to point at.
                    D::Invalid { field, reason } => Self::new(
                        S::UNPROCESSABLE_ENTITY,
                        "invalid",
                        format!("Giá trị không hợp lệ ({field}): {reason}"),
                        en,
                    )
                    .with("field", field),
                    D::DailyCapReached { .. } => Self::new(
                        S::CONFLICT,
                        "daily_cap_reached",
                        "Lĩnh vực này đã hết số trong ngày hôm nay",
                        en,
                    ),
                    D::IllegalTransition { .. } => Self::new(
                        S::CONFLICT,
                        "illegal_transition",
                        "Không thể thực hiện thao tác này với số ở trạng thái hiện tại",
                        en,
                    ),
                    D::CounterNotOpen { .. } => Self::new(
                        S::CONFLICT,
                        "counter_not_open",
                        "Quầy đang tạm dừng hoặc đóng",
                        en,
                    ),
                    D::Booking(r) => crate::booking_error::refusal(r),
                    D::Closed { opens_at: None } => Self::new(
                        S::CONFLICT,
                        "service_closed",
                        "Ngoài giờ làm việc của lĩnh vực này",
                        en,
                    ),
                    D::Closed { opens_at: Some(at) } => Self::new(
                        S::CONFLICT,
                        "service_closed",
                        format!(
                            "Ngoài giờ làm việc. Trung tâm mở cửa lại lúc {}",
                            at.strftime("%H:%M ngày %d/%m/%Y")
                        ),
                        format!(
                            "Closed now. The centre opens again at {}",
                            at.strftime("%H:%M on %d/%m/%Y")
                        ),
                    )
                    .with("opens_at", at.timestamp()),
                }
            }
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Hệ thống tạm thời gián đoạn, vui lòng thử lại",
                    "Temporarily unavailable, please retry",
                )
            }
            StoreError::Internal(detail) => Self::internal(detail),
        }
    }
}

impl From<luot_domain::Error> for ApiError {
    fn from(e: luot_domain::Error) -> Self {
        StoreError::Rule(e).into()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let status = r.status();
        let (code, vi) = match r {
            JsonRejection::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "Cần gửi nội dung JSON (Content-Type: application/json)",
            ),
            JsonRejection::JsonSyntaxError(_) => {
                ("malformed_json", "Nội dung JSON không đúng cú pháp")
            }
            JsonRejection::JsonDataError(_) => {
                ("invalid_body", "Nội dung JSON thiếu hoặc sai trường")
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload_too_large", "Nội dung gửi lên quá lớn")
            }
            _ => ("bad_request", "Yêu cầu không hợp lệ"),
        };
        Self::new(status, code, vi, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_path",
            "Đường dẫn không hợp lệ",
            r.body_text(),
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "Tham số truy vấn không hợp lệ",
            r.body_text(),
        )
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
