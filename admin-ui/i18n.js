// Labels in Vietnamese (default) and English; the choice is remembered.
import { makeI18n } from '/shared/i18n.js';

const STRINGS = {
  vi: {
    title: 'Lượt · Quản trị', signIn: 'Đăng nhập', logout: 'Đăng xuất', username: 'Tên đăng nhập', password: 'Mật khẩu',
    navSettings: 'Trung tâm', navServices: 'Lĩnh vực', navCounters: 'Quầy', navStaff: 'Cán bộ', navDevices: 'Thiết bị',
    navBooking: 'Đặt lịch hẹn', bookingRules: 'Giới hạn mỗi số điện thoại và giờ xác nhận',
    perDay: 'Số lịch hẹn mỗi ngày / số điện thoại', perService: 'Mỗi lĩnh vực mỗi ngày / số điện thoại',
    checkinBefore: 'Xác nhận sớm nhất (phút trước giờ hẹn)', checkinAfter: 'Xác nhận muộn nhất (phút sau giờ hẹn)',
    bookable: 'Nhận đặt lịch trực tuyến', slotMinutes: 'Độ dài mỗi khung giờ (phút)', capacity: 'Số chỗ mỗi khung giờ',
    horizonDays: 'Đặt trước tối đa (ngày)', leadMinutes: 'Đóng đặt lịch trước giờ hẹn (phút)',
    documents: 'Giấy tờ cần mang', documentsEn: 'Giấy tờ cần mang (tiếng Anh)',
    pairScan: 'Quét mã QR này bằng thiết bị mới (hoặc mở đường dẫn trên thiết bị) để ghép nối, không cần gõ mã:',
    pairLink: 'Đường dẫn ghép nối',
    navPriority: 'Đối tượng ưu tiên', navHolidays: 'Ngày nghỉ', navTicket: 'Phiếu, thông báo', navReports: 'Báo cáo',
    save: 'Lưu', saved: 'Đã lưu', cancel: 'Hủy', add: 'Thêm', edit: 'Sửa', remove: 'Xóa', up: 'Lên', down: 'Xuống',
    confirmRemove: 'Xóa mục này?', notAdmin: 'Tài khoản này không có quyền quản trị.',
    name: 'Tên (tiếng Việt)', nameEn: 'Tên (tiếng Anh)', address: 'Địa chỉ', hotline: 'Đường dây nóng', timezone: 'Múi giờ',
    hours: 'Giờ làm việc', session: 'Buổi', sessionStart: 'bắt đầu', sessionEnd: 'kết thúc', addSession: 'Thêm buổi', workingDays: 'Ngày làm việc',
    days: { mon: 'T2', tue: 'T3', wed: 'T4', thu: 'T5', fri: 'T6', sat: 'T7', sun: 'CN' },
    noShowAfter: 'Số lần gọi lại trước khi được đánh vắng', remoteTickets: 'Cho phép lấy số từ xa',
    enforceHours: 'Chỉ cấp số trong giờ làm việc và ngoài ngày nghỉ',
    printDocuments: 'In giấy tờ cần mang trên phiếu số',
    unstartedServed: '"Gọi tiếp" khi số đã gọi chưa bắt đầu: tính là đã phục vụ (không chọn: vắng mặt)', retention: 'Giữ dữ liệu cá nhân (ngày)',
    code: 'Mã', prefix: 'Ký hiệu số', startNumber: 'Số bắt đầu', dailyCap: 'Giới hạn số/ngày (trống = không giới hạn)',
    meanMinutes: 'Thời gian phục vụ trung bình (phút)', active: 'Đang nhận hồ sơ', inactive: 'Tạm ngừng',
    ownHours: 'Giờ riêng cho lĩnh vực này (bỏ chọn = theo giờ của trung tâm)', centreHours: 'theo giờ trung tâm',
    shortName: 'Tên ngắn trên màn hình gọi số', shortNameEn: 'Tên ngắn (tiếng Anh)',
    examples: 'Ví dụ thủ tục (mỗi dòng một mục)', note: 'Giấy tờ cần mang theo', newService: 'Thêm lĩnh vực',
    numberingRule: 'Ký hiệu và số bắt đầu chỉ đổi được khi lĩnh vực chưa cấp số nào trong ngày; nếu đã cấp, hãy đổi từ ngày làm việc sau.',
    counter: 'Quầy', number: 'Số quầy', state: 'Trạng thái', open: 'Mở', paused: 'Tạm dừng', closed: 'Đóng',
    serves: 'Lĩnh vực phục vụ (theo thứ tự ưu tiên)', addServes: 'Thêm lĩnh vực…', newCounter: 'Thêm quầy',
    role: 'Vai trò', admin: 'Quản trị', staff: 'Cán bộ', counters: 'Quầy được dùng (không chọn quầy nào = mọi quầy)', newAccount: 'Thêm tài khoản',
    displayName: 'Họ tên', newPassword: 'Mật khẩu mới (để trống nếu không đổi)',
    scope: 'Phạm vi', everyCentre: 'Mọi trung tâm', allowedCounters: 'Quầy được dùng', allCounters: 'Mọi quầy', you: '(bạn)',
    usernameHint: 'Chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang; tối đa 32 ký tự; không đổi được sau này',
    adminCounters: 'Quản trị viên dùng được mọi quầy của trung tâm.',
    passwordHint: 'Ít nhất 8 ký tự.', changePasswordHint: 'Ít nhất 8 ký tự. Đổi mật khẩu sẽ đăng xuất tài khoản này khỏi mọi thiết bị.',
    ownPasswordHint: 'Ít nhất 8 ký tự. Đổi mật khẩu của chính bạn sẽ đăng xuất cả phiên này.',
    deactivate: 'Ngừng sử dụng', accountActive: 'Đang hoạt động', accountInactive: 'Ngừng sử dụng',
    confirmDeactivate: 'Ngừng sử dụng tài khoản này? Người dùng bị đăng xuất ngay; lịch sử phục vụ, đánh giá và nhật ký vẫn giữ tên đăng nhập.',
    staffHelp: 'Tài khoản không bị xóa mà chỉ ngừng sử dụng, để số đã phục vụ, đánh giá và nhật ký vẫn gắn với đúng người. Có thể kích hoạt lại bất cứ lúc nào.',
    kind: 'Loại', kiosk: 'Ki-ốt', display: 'Màn hình', rating: 'Máy đánh giá', lastContact: 'Liên lạc lần cuối', revoked: 'Đã thu hồi',
    revoke: 'Thu hồi', register: 'Đăng ký thiết bị', tokenOnce: 'Mã truy cập (chỉ hiện một lần, hãy lưu lại):', never: 'chưa bao giờ',
    printer: 'Máy in', agentNever: 'Chưa kết nối lần nào', agentLost: 'Mất kết nối', pendingJobs: '{n} phiếu chờ in',
    printerStates: { ok: 'Hoạt động bình thường', paper_low: 'Sắp hết giấy', paper_out: 'Hết giấy', cover_open: 'Nắp máy in đang mở', offline: 'Máy in không phản hồi', unknown: 'Chưa rõ tình trạng' },
    healthUpdated: 'Tình trạng ki-ốt cập nhật lúc', healthStale: 'Không cập nhật được tình trạng ki-ốt; sẽ thử lại.',
    unconfirmed: 'Phiếu chưa chắc đã in:', printOutcomes: { unknown: 'không rõ đã in chưa', failed: 'không in được', expired: 'quá hạn, không in' },
    reprint: 'In lại', reprinted: 'Đã gửi in lại (BẢN IN LẠI)',
    priorityCode: 'Mã (chữ thường, không dấu)', addClass: 'Thêm đối tượng',
    date: 'Ngày', holidayName: 'Tên ngày nghỉ', addHoliday: 'Thêm ngày nghỉ',
    ticketHeader: 'Dòng đầu phiếu', ticketFooter: 'Dòng cuối phiếu', logo: 'Logo in trên phiếu (PNG, tối đa 48 KB)',
    ticketTextHint: 'In trên mọi phiếu: logo (co theo khổ giấy), dòng đầu, tên trung tâm; dòng cuối ở chân phiếu. Mỗi phần tối đa 6 dòng, 240 ký tự; để trống thì không in.',
    uploadLogo: 'Tải logo lên', removeLogo: 'Xóa logo', noLogo: 'Chưa có logo',
    notice: 'Dòng thông báo trên màn hình chờ', announceVi: 'Câu gọi số (tiếng Việt)', announceEn: 'Câu gọi số (tiếng Anh)',
    announceHint: 'Dùng {number} cho số thứ tự và {counter} cho số quầy.',
    from: 'Từ ngày', to: 'Đến ngày', show: 'Xem', downloadCsv: 'Tải CSV', downloadXlsx: 'Tải Excel (XLSX)',
    rDay: 'Ngày', rService: 'Lĩnh vực', rCounter: 'Quầy', rIssued: 'Cấp số', rServed: 'Đã phục vụ', rNoShow: 'Vắng',
    rCancelled: 'Hủy', rWait: 'Chờ TB (phút)', rService2: 'Phục vụ TB (phút)', rRatings: 'Lượt đánh giá', rLevels: 'Theo mức (5/4/3/2/1)',
    rLevelsHint: 'Rất hài lòng / Hài lòng / Bình thường / Không hài lòng / Rất không hài lòng', rSat: 'Hài lòng (%)',
    rMean: 'Điểm TB (1-5)', noData: 'Không có dữ liệu',
  },
  en: {
    title: 'Lượt · Administration', signIn: 'Sign in', logout: 'Sign out', username: 'Username', password: 'Password',
    navSettings: 'Centre', navServices: 'Services', navCounters: 'Counters', navStaff: 'Staff', navDevices: 'Devices',
    navBooking: 'Online booking', bookingRules: 'Limits per phone number and check-in window',
    perDay: 'Bookings a day per phone', perService: 'Per service a day per phone',
    checkinBefore: 'Check-in opens (minutes before)', checkinAfter: 'Check-in closes (minutes after)',
    bookable: 'Bookable online', slotMinutes: 'Slot length (minutes)', capacity: 'Places a slot',
    horizonDays: 'Days ahead', leadMinutes: 'Booking closes before the slot (minutes)',
    documents: 'Documents to bring', documentsEn: 'Documents to bring (English)',
    pairScan: 'Scan this QR code with the new device (or open the link on it) to pair it, no typing:',
    pairLink: 'Pairing link',
    navPriority: 'Priority classes', navHolidays: 'Holidays', navTicket: 'Ticket & notices', navReports: 'Reports',
    save: 'Save', saved: 'Saved', cancel: 'Cancel', add: 'Add', edit: 'Edit', remove: 'Delete', up: 'Up', down: 'Down',
    confirmRemove: 'Delete this?', notAdmin: 'This account is not an administrator.',
    name: 'Name (Vietnamese)', nameEn: 'Name (English)', address: 'Address', hotline: 'Hotline', timezone: 'Timezone',
    hours: 'Opening hours', session: 'Session', sessionStart: 'start', sessionEnd: 'end', addSession: 'Add session', workingDays: 'Working days',
    days: { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' },
    noShowAfter: 'Recalls before a no-show', remoteTickets: 'Allow remote tickets',
    enforceHours: 'Issue tickets only within opening hours, not on holidays',
    printDocuments: 'Print the documents to bring on the ticket',
    unstartedServed: '"Call next" with a called ticket not started: count it as served (unticked: a no-show)', retention: 'Keep personal data (days)',
    code: 'Code', prefix: 'Ticket prefix', startNumber: 'Start number', dailyCap: 'Daily cap (empty = none)',
    meanMinutes: 'Mean service time (minutes)', active: 'Taking tickets', inactive: 'Inactive',
    ownHours: 'Own hours for this service (unchecked = the centre\'s)', centreHours: 'centre hours',
    shortName: 'Short name on the board', shortNameEn: 'Short name (English)',
    examples: 'Example procedures (one per line)', note: 'What to bring', newService: 'Add service',
    numberingRule: 'Prefix and start number change only before the service\'s first ticket of the day; otherwise change them from the next service day.',
    counter: 'Counter', number: 'Number', state: 'State', open: 'Open', paused: 'Paused', closed: 'Closed',
    serves: 'Services served (in order of preference)', addServes: 'Add a service…', newCounter: 'Add counter',
    role: 'Role', admin: 'Administrator', staff: 'Staff', counters: 'Counters allowed (none ticked = every counter)', newAccount: 'Add account',
    displayName: 'Full name', newPassword: 'New password (leave empty to keep)',
    scope: 'Scope', everyCentre: 'Every centre', allowedCounters: 'Counters', allCounters: 'Every counter', you: '(you)',
    usernameHint: 'Lowercase ASCII letters, digits, dot, underscore, hyphen; at most 32; it never changes',
    adminCounters: 'Administrators may use every counter of the centre.',
    passwordHint: 'At least 8 characters.', changePasswordHint: 'At least 8 characters. A new password signs this account out everywhere.',
    ownPasswordHint: 'At least 8 characters. Changing your own password signs you out here too.',
    deactivate: 'Deactivate', accountActive: 'Active', accountInactive: 'Deactivated',
    confirmDeactivate: 'Deactivate this account? It is signed out at once; served tickets, ratings and the audit log keep its username.',
    staffHelp: 'Accounts are never deleted, only deactivated, so served tickets, ratings and the audit log stay linked to the right person. They can be reactivated at any time.',
    kind: 'Kind', kiosk: 'Kiosk', display: 'Display', rating: 'Rating tablet', lastContact: 'Last contact', revoked: 'Revoked',
    revoke: 'Revoke', register: 'Register device', tokenOnce: 'Access token (shown once, keep it):', never: 'never',
    printer: 'Printer', agentNever: 'Never connected', agentLost: 'Connection lost', pendingJobs: '{n} tickets waiting to print',
    printerStates: { ok: 'Working', paper_low: 'Paper low', paper_out: 'Out of paper', cover_open: 'Printer cover open', offline: 'Printer not responding', unknown: 'State unknown' },
    healthUpdated: 'Kiosk health updated at', healthStale: 'Could not update kiosk health; retrying.',
    unconfirmed: 'Tickets not confirmed printed:', printOutcomes: { unknown: 'may not have printed', failed: 'could not print', expired: 'expired, not printed' },
    reprint: 'Reprint', reprinted: 'Reprint sent (marked BẢN IN LẠI)',
    priorityCode: 'Code (lowercase ASCII)', addClass: 'Add class',
    date: 'Date', holidayName: 'Holiday name', addHoliday: 'Add holiday',
    ticketHeader: 'Ticket header', ticketFooter: 'Ticket footer', logo: 'Ticket logo (PNG, at most 48 KB)',
    ticketTextHint: 'Printed on every ticket: the logo (scaled to the paper), the header, the centre name; the footer at the bottom. Each at most 6 lines and 240 characters; left empty, nothing is printed.',
    uploadLogo: 'Upload logo', removeLogo: 'Remove logo', noLogo: 'No logo yet',
    notice: 'Notice line on the waiting-room display', announceVi: 'Call phrase (Vietnamese)', announceEn: 'Call phrase (English)',
    announceHint: 'Use {number} for the ticket number and {counter} for the counter.',
    from: 'From', to: 'To', show: 'Show', downloadCsv: 'Download CSV', downloadXlsx: 'Download Excel (XLSX)',
    rDay: 'Day', rService: 'Service', rCounter: 'Counter', rIssued: 'Issued', rServed: 'Served', rNoShow: 'No-shows',
    rCancelled: 'Cancelled', rWait: 'Mean wait (min)', rService2: 'Mean service (min)', rRatings: 'Ratings', rLevels: 'By level (5/4/3/2/1)',
    rLevelsHint: 'Very satisfied / Satisfied / Neutral / Dissatisfied / Very dissatisfied', rSat: 'Satisfied (%)',
    rMean: 'Mean rating (1-5)', noData: 'No data',
  },
};

const i18n = makeI18n(STRINGS, { storageKey: 'luot-admin-lang' });

/** The current language (a live binding: sections read it when they render). */
export let lang = i18n.lang;

export function t(key) {
  return i18n.t(key);
}

export function setLang(l) {
  i18n.setLang(l);
  lang = i18n.lang;
}

/** The error message of an ApiError (or any error) in the current language. */
export function errorText(e) {
  return i18n.errorText(e);
}

/** Applies labels to elements carrying data-i18n. */
export function translate(root = document) {
  i18n.translate(root);
}
