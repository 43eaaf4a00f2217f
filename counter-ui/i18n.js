// Texts of the counter console and the rating tablet, Vietnamese first.
export const T = {
  vi: {
    title: "Bàn làm việc quầy", logout: "Đăng xuất", signIn: "Đăng nhập", username: "Tên đăng nhập",
    password: "Mật khẩu", chooseCounter: "Chọn quầy", counter: "Quầy", callNext: "Gọi tiếp",
    recall: "Gọi lại", start: "Bắt đầu", complete: "Hoàn thành", "no-show": "Vắng mặt", noShow: "Vắng mặt",
    pause: "Tạm dừng", resume: "Mở lại", transfer: "Chuyển số", toService: "— lĩnh vực —",
    toCounter: "— quầy —", note: "Ghi chú", issue: "Cấp số tại quầy", noPriority: "— không ưu tiên —",
    waiting: "Đang chờ", number: "Số", service: "Lĩnh vực", priority: "Ưu tiên", waited: "Đã chờ",
    min: "phút", prio: "Ưu tiên", nobody: "Không còn ai chờ", called: "Đã gọi số", issued: "Đã cấp số",
    done: "Xong", idle: "Chưa gọi số nào", signedOut: "Phiên đăng nhập đã hết, vui lòng đăng nhập lại",
    state_open: "đang mở", state_paused: "tạm dừng", state_closed: "đóng",
    status_called: "đã gọi, chờ công dân đến", status_serving: "đang phục vụ", status_done: "đã xong",
    "call-next": "Gọi tiếp",
  },
  en: {
    title: "Counter console", logout: "Sign out", signIn: "Sign in", username: "Username",
    password: "Password", chooseCounter: "Choose a counter", counter: "Counter", callNext: "Call next",
    recall: "Recall", start: "Start", complete: "Complete", "no-show": "No-show", noShow: "No-show",
    pause: "Pause", resume: "Resume", transfer: "Transfer", toService: "— service —",
    toCounter: "— counter —", note: "Note", issue: "Issue a ticket here", noPriority: "— no priority —",
    waiting: "Waiting", number: "Number", service: "Service", priority: "Priority", waited: "Waited",
    min: "min", prio: "Priority", nobody: "Nobody is waiting", called: "Called", issued: "Issued",
    done: "Done", idle: "No ticket called", signedOut: "Your session ended, please sign in again",
    state_open: "open", state_paused: "paused", state_closed: "closed",
    status_called: "called, waiting for the citizen", status_serving: "serving", status_done: "done",
    "call-next": "Call next",
  },
};
