// Strings of the booking portal, Vietnamese first. `t(key, vars)` fills {name}
// placeholders; the choice of language is remembered on this device.
import { makeI18n } from '/shared/i18n.js';

const STRINGS = {
  vi: {
    brand: 'Đặt lịch hẹn', nav_lookup: 'Tra cứu / Hủy', lang_switch: 'EN',
    step_service: 'Lĩnh vực', step_date: 'Ngày', step_slot: 'Giờ', step_details: 'Thông tin', step_done: 'Xong',
    live_hint: 'Số người đang chờ tại trung tâm lúc này, để bạn chọn lúc đến.',
    live_line: 'Đang chờ: {n} người · chờ khoảng {min} phút', live_none: 'Không có ai chờ',
    choose_service: 'Chọn lĩnh vực cần giải quyết', choose_date: 'Chọn ngày', choose_slot: 'Chọn giờ',
    back: '‹ Quay lại', places_left: 'còn {n} chỗ', full: 'hết chỗ', no_slots_left: 'Ngày này đã hết giờ trống.',
    closed_holiday: 'Ngày lễ: trung tâm không nhận lịch hẹn.', closed_not_a_working_day: 'Trung tâm không làm việc ngày này.',
    closed_booking_disabled: 'Lĩnh vực này chưa nhận đặt lịch trực tuyến.', closed_outside_horizon: 'Ngày này chưa mở đặt lịch.',
    details: 'Thông tin người đến', name: 'Họ và tên', phone: 'Số điện thoại di động', id_number: 'Số CCCD (không bắt buộc)',
    id_hint: 'Có số CCCD, bạn có thể quét thẻ tại ki-ốt để xác nhận.',
    consent_title: 'Đồng ý xử lý dữ liệu cá nhân', submit: 'Đặt lịch', sending: 'Đang gửi…',
    need_consent: 'Vui lòng đánh dấu ô đồng ý để đặt lịch.',
    reminders_title: 'Nhắn tin nhắc lịch và báo sắp đến lượt (không bắt buộc)',
    withdraw_reminders: 'Rút lại đồng ý nhắn tin nhắc lịch và báo lượt', withdrawn_reminders: 'Đã rút lại đồng ý: bạn sẽ không nhận tin nhắc lịch hay tin báo sắp đến lượt.',
    turn_notices: 'Báo sắp đến lượt', turn_notices_booked: 'Có, sau khi bạn xác nhận tại trung tâm', turn_notices_on: 'Có', turn_notices_off: 'Không',
    withdraw_booking: 'Rút lại đồng ý xử lý dữ liệu', withdraw_booking_confirm: 'Rút lại đồng ý sẽ hủy lịch hẹn chưa đến và xóa họ tên, số điện thoại, số CCCD của bạn. Tiếp tục?',
    withdrawn_booking: 'Đã rút lại đồng ý: dữ liệu cá nhân của bạn đã được xóa.', reminders_on: 'Nhắn tin nhắc lịch: có',
    err_name: 'Vui lòng nhập họ và tên (tối đa 100 ký tự).',
    err_phone: 'Số điện thoại di động chưa đúng: 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09 (ví dụ 0912345678).',
    err_phone_missing: 'Vui lòng nhập số điện thoại di động.',
    err_id: 'Số CCCD gồm 12 chữ số (CMND cũ: 9 chữ số).',
    slot_full: 'Khung giờ này vừa hết chỗ. Các giờ trống gần nhất:',
    done_title: 'Đặt lịch thành công', your_code: 'Mã đặt lịch của bạn',
    code_hint: 'Đưa mã hoặc mã QR này tại ki-ốt từ 30 phút trước giờ hẹn đến 15 phút sau giờ hẹn.',
    service: 'Lĩnh vực', date: 'Ngày', time: 'Giờ', address: 'Địa chỉ', bring: 'Giấy tờ cần mang', status: 'Trạng thái',
    add_calendar: 'Thêm vào lịch', cancel_link: 'Hủy lịch hẹn', new_booking: 'Đặt lịch khác',
    lookup_title: 'Tra cứu hoặc hủy lịch hẹn', code: 'Mã đặt lịch', find: 'Tra cứu',
    not_found: 'Không tìm thấy lịch hẹn với mã và số điện thoại này.',
    cancel: 'Hủy lịch hẹn này', cancel_confirm: 'Bạn chắc chắn muốn hủy lịch hẹn?', cancelled_ok: 'Đã hủy lịch hẹn.',
    st_booked: 'Đã đặt', st_checked_in: 'Đã xác nhận tại trung tâm', st_cancelled: 'Đã hủy', st_no_show: 'Không đến', st_missed: 'Đã lỡ hẹn (không xác nhận đúng giờ)',
    ticket: 'Số thứ tự', network: 'Không kết nối được, vui lòng thử lại.',
  },
  en: {
    brand: 'Book an appointment', nav_lookup: 'Find / cancel', lang_switch: 'VI',
    step_service: 'Service', step_date: 'Date', step_slot: 'Time', step_details: 'Details', step_done: 'Done',
    live_hint: 'People waiting at the centre right now, so you can choose when to come.',
    live_line: 'Waiting: {n} · about {min} min', live_none: 'Nobody waiting',
    choose_service: 'Choose a service', choose_date: 'Choose a date', choose_slot: 'Choose a time',
    back: '‹ Back', places_left: '{n} left', full: 'full', no_slots_left: 'No free times left on this day.',
    closed_holiday: 'Public holiday: no appointments.', closed_not_a_working_day: 'The centre is closed on this day.',
    closed_booking_disabled: 'This service cannot be booked online yet.', closed_outside_horizon: 'This day is not open for booking yet.',
    details: 'Who is coming', name: 'Full name', phone: 'Mobile phone number', id_number: 'Citizen ID number (optional)',
    id_hint: 'With your ID number you can check in by scanning your card at the kiosk.',
    consent_title: 'Consent to personal data processing', submit: 'Book', sending: 'Sending…',
    need_consent: 'Please tick the consent box to book.',
    reminders_title: 'Text reminders and "your turn is near" notices (optional)',
    withdraw_reminders: 'Withdraw consent to reminders and turn notices', withdrawn_reminders: 'Consent withdrawn: you will get no reminders or turn notices.',
    turn_notices: 'Turn notices', turn_notices_booked: 'On, once you have checked in', turn_notices_on: 'On', turn_notices_off: 'Off',
    withdraw_booking: 'Withdraw consent to data processing', withdraw_booking_confirm: 'Withdrawing cancels a booking still to come and erases your name, phone and ID number. Continue?',
    withdrawn_booking: 'Consent withdrawn: your personal data is erased.', reminders_on: 'Text reminders: on',
    err_name: 'Please enter your full name (at most 100 characters).',
    err_phone: 'This is not a Vietnamese mobile number: 10 digits starting 03, 05, 07, 08 or 09 (e.g. 0912345678).',
    err_phone_missing: 'Please enter your mobile phone number.',
    err_id: 'A citizen ID number has 12 digits (an old ID card: 9).',
    slot_full: 'That time has just filled up. The nearest free times:',
    done_title: 'You are booked', your_code: 'Your booking code',
    code_hint: 'Show this code or QR at the kiosk from 30 minutes before to 15 minutes after your time.',
    service: 'Service', date: 'Date', time: 'Time', address: 'Address', bring: 'Documents to bring', status: 'Status',
    add_calendar: 'Add to calendar', cancel_link: 'Cancel the booking', new_booking: 'Book another',
    lookup_title: 'Find or cancel a booking', code: 'Booking code', find: 'Find',
    not_found: 'No booking with this code and phone number.',
    cancel: 'Cancel this booking', cancel_confirm: 'Cancel this booking?', cancelled_ok: 'The booking is cancelled.',
    st_booked: 'Booked', st_checked_in: 'Checked in', st_cancelled: 'Cancelled', st_no_show: 'Did not come', st_missed: 'Missed (not checked in in time)',
    ticket: 'Ticket number', network: 'Cannot reach the server, please retry.',
  },
};

const i18n = makeI18n(STRINGS);

export function getLang() { return i18n.lang; }

export function setLang(l) { i18n.setLang(l); }

export function t(key, vars = {}) { return i18n.t(key, vars); }

/** The server's message (an error reply's body) in the current language. */
export function errorText(e) { return i18n.errorText(e); }
