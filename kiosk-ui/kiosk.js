// Kiosk page: a citizen taps a service, then (when the centre has priority
// classes) answers "Bạn có thuộc đối tượng ưu tiên không?" with a big "Không"
// or a class, and gets a numbered ticket; the paired kiosk client prints it.
// Every step has a way back; the number stays on screen until the ticket is
// printed (the kiosk's print queue is empty), and longer when it cannot print, with an "In lại
// phiếu" button for one copy within a minute of issue. The device token comes in
// the URL's fragment once (#token=..., the pairing link) and is kept in localStorage; every request carries
// it. Requests retry with the same Idempotency-Key, so a flaky network never
// issues two tickets for one tap. The done screen may offer "báo sắp đến lượt"
// (notice.js): a phone for the ticket's turn notices, wiped at the return.
import { call, deviceToken } from "/shared/api.js";
import { makeI18n } from "/shared/i18n.js";
import { mountNotice } from "/kiosk/notice.js";

const T = {
  vi: {
    choose: "Chọn lĩnh vực cần giải quyết",
    checkinPath: "Đã đặt lịch hẹn? Xác nhận đến",
    askPriority: "Bạn có thuộc đối tượng ưu tiên không?",
    noPriority: "Không",
    yesPriority: "Có, tôi là:",
    back: "‹ Quay lại",
    yourNumber: "Số thứ tự của bạn",
    takeTicket: "Vui lòng nhận phiếu in bên dưới.",
    photoHint: "Nếu máy in gặp sự cố, hãy chụp ảnh mã QR để theo dõi lượt của bạn trên điện thoại.",
    finish: "Xong",
    offline: "Mất kết nối với máy chủ. Vui lòng chờ trong giây lát hoặc liên hệ cán bộ hướng dẫn.",
    waiting: "Đang chờ: {n}",
    eta: "Chờ khoảng {m} phút",
    closed: "Ngoài giờ làm việc",
    opensAt: "Mở cửa lại lúc {at}",
    capped: "Đã hết số hôm nay",
    inactive: "Tạm ngừng",
    ahead: "Có {n} người chờ trước bạn · thời gian chờ dự kiến khoảng {m} phút",
    noneAhead: "Bạn là người tiếp theo",
    appointmentWait: "Giờ hẹn {time} · bạn được ưu tiên gọi khi đến giờ hẹn",
    offlineTicket: "Phiếu ngoại tuyến: đang mất kết nối máy chủ. Số của bạn vẫn được gọi theo thứ tự; mã QR dùng được khi kết nối lại.",
    needToken: "Máy kiosk chưa được đăng ký. Cán bộ quản trị hãy mở trang này bằng đường dẫn ghép nối của máy (/pair#token=…).",
    printerProblem: "Máy in đang gặp sự cố ({status}). Vui lòng chụp ảnh mã QR hoặc báo cán bộ.",
    printerTop: "Máy in: {status}. Vẫn lấy số được: hãy chụp ảnh mã QR trên màn hình.",
    noPrint: "Phiếu chưa in được ({status}). Hãy ghi nhớ số và chụp ảnh mã QR trên phiếu bên cạnh.",
    unknownPrint: "Nếu phiếu chưa in ra, hãy ghi lại số này",
    failedPrint: "Phiếu không in được ({why}). Hãy ghi lại số này và báo cán bộ.",
    reprint: "In lại phiếu",
    reprinting: "Đang in lại phiếu (có dòng BẢN IN LẠI): vui lòng nhận phiếu bên dưới.",
    why: { "paper out": "hết giấy", "cover open": "nắp đang mở" },
    lostLink: "Mất kết nối máy chủ. Vẫn lấy số được: phiếu in ngoại tuyến, số vẫn được gọi theo thứ tự.",
    printer: { paper_out: "hết giấy", cover_open: "nắp đang mở", offline: "không hoạt động", agent: "chưa kết nối" },
    checkinMissing: "Chức năng xác nhận lịch hẹn chưa sẵn sàng.",
    lang: "English",
    weekdays: { Sun: "Chủ Nhật", Mon: "Thứ Hai", Tue: "Thứ Ba", Wed: "Thứ Tư", Thu: "Thứ Năm", Fri: "Thứ Sáu", Sat: "Thứ Bảy" },
  },
  en: {
    choose: "Choose a service",
    checkinPath: "Booked an appointment? Check in",
    askPriority: "Do you have priority (elderly, disability, pregnancy…)?",
    noPriority: "No",
    yesPriority: "Yes, I am:",
    back: "‹ Back",
    yourNumber: "Your number",
    takeTicket: "Please take your printed ticket below.",
    photoHint: "If the printer fails, photograph the QR code to follow your turn on your phone.",
    finish: "Done",
    offline: "Lost connection to the server. Please wait a moment or ask the staff.",
    waiting: "Waiting: {n}",
    eta: "About {m} min",
    closed: "Closed now",
    opensAt: "Opens again at {at}",
    capped: "No more numbers today",
    inactive: "Suspended",
    ahead: "{n} people ahead of you · expected wait about {m} min",
    noneAhead: "You are next",
    appointmentWait: "Appointment at {time} · bookings are called first once their time begins",
    offlineTicket: "Offline ticket: the server is unreachable. Your number will still be called in turn; the QR code works once the connection is back.",
    needToken: "This kiosk is not registered. An administrator should open this page with its pairing link (/pair#token=…).",
    printerProblem: "The printer has a problem ({status}). Please photograph the QR code or ask the staff.",
    printerTop: "Printer: {status}. You can still take a number: photograph the QR code on screen.",
    noPrint: "Your ticket could not be printed ({status}). Remember your number and photograph the QR code on the ticket shown here.",
    unknownPrint: "If your ticket did not print, please write down this number",
    failedPrint: "Your ticket could not be printed ({why}). Please write down this number and tell the staff.",
    reprint: "Print my ticket again",
    reprinting: "Printing your ticket again (marked BẢN IN LẠI): please take it below.",
    why: { "paper out": "out of paper", "cover open": "cover open" },
    lostLink: "Lost connection to the server. You can still take a number: offline tickets are called in turn.",
    printer: { paper_out: "out of paper", cover_open: "cover open", offline: "offline", agent: "not connected" },
    checkinMissing: "Appointment check-in is not available yet.",
    lang: "Tiếng Việt",
    weekdays: { Sun: "Sunday", Mon: "Monday", Tue: "Tuesday", Wed: "Wednesday", Thu: "Thursday", Fri: "Friday", Sat: "Saturday" },
  },
};

/** Seconds of inactivity after which the kiosk returns to the start screen
 * (the done screen: once the ticket is printed; `unprinted` when it is not;
 * `notice` while the phone box is open, counted from the last tap). */
const IDLE_SECONDS = { done: 15, unprinted: 60, notice: 45, other: 60 };
/** How often the done screen asks whether the ticket has printed. */
const PRINT_POLL_MS = 1000;
const REFRESH_MS = 10_000;
/** The server is pinged this often, and a ping unanswered after PING_DEADLINE_MS counts as lost:
 * "mất kết nối" shows within PING_MS + PING_DEADLINE_MS (7 s) of the server dying. */
const PING_MS = 3000;
const PING_DEADLINE_MS = 4000;
/** The reprint button works this long after issue (the server and luot-kiosk enforce it too). */
const REPRINT_MS = 60_000;

const params = new URLSearchParams(location.search);
const i18n = makeI18n(T, { remember: false });
/** Served by `luot-kiosk --ui` on the kiosk PC: it adds the device token and issues offline. */
const local = Boolean(document.querySelector('meta[name="luot-kiosk-local"]'));
const state = {
  get lang() { return i18n.lang; },
  token: deviceToken("luot.kiosk.token"),
  centre: params.get("centre") || localStorage.getItem("luot.kiosk.centre") || "",
  centreInfo: null,
  services: [],
  /** The service chosen, while the priority question is asked. */
  chosen: null,
  idleTimer: null,
  busy: false,
  /** Why tickets will not print (`paper_out`, `cover_open`, `offline`, `agent`), or null. */
  printerProblem: null,
  /** The check-in panel while its screen is open (to switch its language). */
  checkin: null,
  /** The last ping's answer: false once the server stopped answering. */
  connected: true,
  /** The shown ticket's print when it is not confirmed: {outcome, reason}, or null. */
  unprinted: null,
  /** The ticket on the done screen: {token, since} (since: when the page showed it). */
  shown: null,
  /** The reprint button's state: null (not offered), "offered", "asking", "done", or an ApiError. */
  reprint: null,
};

const $ = (id) => document.getElementById(id);
const t = (key, vars = {}) => i18n.t(key, vars);
const notice = mountNotice({
  lang: () => state.lang,
  token: () => state.token,
  // Opened, sent or closed: the return to the start counts from now.
  onChange: () => {
    if (document.querySelector("#screen-done.active")) armIdle("done");
  },
});
const name = (o) => (state.lang === "en" && o.name_en ? o.name_en : o.name);

/**
 * A random key that also works outside secure contexts (kiosks on plain http LAN),
 * led by the time in milliseconds (fixed-width hex): keys from every kiosk then
 * arrive in order, so the server's index of them grows at one end instead of
 * taking a write on a random page per ticket.
 */
function idempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  const time = Date.now().toString(16).padStart(12, "0");
  return "kiosk-" + time + "-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** {ok, status, body}; a network failure throws (the caller retries or shows the offline notice). */
async function api(path, { method = "GET", headers, body } = {}) {
  const r = await call(method, path, { token: state.token, headers, body });
  if (r.status === 0) throw r.error;
  return r;
}

function show(screen) {
  document.querySelectorAll(".screen").forEach((s) => s.classList.toggle("active", s.id === `screen-${screen}`));
  armIdle(screen);
}

function armIdle(screen) {
  clearTimeout(state.idleTimer);
  if (screen === "start") return;
  // The number stays until the ticket is out: waitForPrint arms the timer.
  if (screen === "done" && state.printing) return;
  let secs = screen === "done" ? (state.printerProblem || state.unprinted ? IDLE_SECONDS.unprinted : IDLE_SECONDS.done) : IDLE_SECONDS.other;
  if (screen === "done" && notice.open) secs = Math.max(secs, IDLE_SECONDS.notice);
  state.idleTimer = setTimeout(reset, secs * 1000);
}

function reset() {
  state.chosen = null;
  state.printing = false;
  state.unprinted = null;
  state.shown = null;
  state.reprint = null;
  clearTimeout(state.printTimer);
  clearTimeout(state.reprintTimer);
  renderReprint();
  notice.clear();
  state.checkin = null;
  hideBanner();
  show("start");
  renderServices();
}

function banner(text) {
  const b = $("banner");
  b.textContent = text;
  b.hidden = false;
}
function hideBanner() {
  $("banner").hidden = true;
}

function applyLang() {
  i18n.translate();
  $("lang").textContent = t("lang");
  if (state.centreInfo) $("centre-name").textContent = name(state.centreInfo);
  renderServices();
  renderPriorities();
  renderChosen();
  renderPrinter();
  renderLink();
  state.checkin?.setLang(state.lang);
  notice.render();
  tick();
}

/** "10:00" in the centre's timezone. */
function localTime(iso) {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: state.centreInfo?.timezone || "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(iso));
}

/** Date and time in the centre's timezone: the kiosk PC's own zone may be anything. */
function tick() {
  const tz = state.centreInfo?.timezone || "Asia/Ho_Chi_Minh";
  const parts = {};
  for (const p of new Intl.DateTimeFormat("en-GB", {
    timeZone: tz, weekday: "short", day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date())) parts[p.type] = p.value;
  $("clock").textContent = `${T[state.lang].weekdays[parts.weekday]}, ${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

function serviceState(s) {
  if (!s.active) return t("inactive");
  if (s.capped) return t("capped");
  if (!s.accepting) return s.opens_at ? `${t("closed")} · ${t("opensAt", { at: localDateTime(s.opens_at) })}` : t("closed");
  return "";
}

/** "07:00 30/11": when the centre opens, in its timezone. */
function localDateTime(iso) {
  const timeZone = state.centreInfo?.timezone || "Asia/Ho_Chi_Minh";
  const p = {};
  for (const x of new Intl.DateTimeFormat("en-GB", { timeZone, day: "2-digit", month: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso))) p[x.type] = x.value;
  return `${p.hour}:${p.minute} ${p.day}/${p.month}`;
}

function renderServices() {
  const box = $("services");
  box.replaceChildren();
  for (const s of state.services) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "service";
    b.dataset.service = s.code;
    const why = serviceState(s);
    b.disabled = Boolean(why);
    const prefix = document.createElement("span");
    prefix.className = "prefix";
    prefix.textContent = s.prefix;
    const title = document.createElement("div");
    title.className = "name";
    title.append(prefix, document.createTextNode(name(s)));
    const sub = document.createElement("div");
    sub.className = "sub";
    sub.textContent = (s.examples || []).slice(0, 3).join(" · ");
    const stats = document.createElement("div");
    stats.className = "stats";
    if (why) {
      const st = document.createElement("span");
      st.className = "state";
      st.textContent = why;
      stats.append(st);
    } else {
      stats.append(span(t("waiting", { n: s.waiting })), span(t("eta", { m: s.eta_minutes })));
    }
    b.append(title, sub, stats);
    b.addEventListener("click", () => chooseService(s));
    box.append(b);
  }
}

function span(text) {
  const e = document.createElement("span");
  e.textContent = text;
  return e;
}

function renderPriorities() {
  const box = $("priority-classes");
  box.replaceChildren();
  for (const c of state.centreInfo?.priority_classes || []) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "class";
    b.dataset.priority = c.code;
    b.textContent = name(c);
    b.addEventListener("click", () => state.chosen && issue(state.chosen, c.code));
    box.append(b);
  }
}

/** A service tapped: ask about priority when the centre has classes, else issue at once. */
function chooseService(s) {
  if (state.busy) return;
  if (!(state.centreInfo?.priority_classes || []).length) return issue(s, null);
  state.chosen = s;
  renderChosen();
  show("priority");
}

function renderChosen() {
  const s = state.chosen;
  $("priority-service").textContent = s ? `${s.prefix} · ${name(s)}` : "";
}

async function loadCentre() {
  const { ok, body } = await api("/api/v1/centres");
  if (!ok) throw new Error("centres");
  const centre = body.find((c) => c.code === state.centre) || body[0];
  if (!centre) throw new Error("no centre");
  state.centre = centre.code;
  state.centreInfo = centre;
  localStorage.setItem("luot.kiosk.centre", centre.code);
  $("centre-name").textContent = name(centre);
  tick();
  renderPriorities();
}

async function refresh() {
  try {
    if (!state.centreInfo) await loadCentre();
    const { ok, body } = await api(`/api/v1/centres/${state.centre}/services`);
    if (!ok) throw new Error("services");
    state.services = body;
    $("offline").hidden = true;
    if (!state.busy && document.querySelector("#screen-start.active")) renderServices();
  } catch {
    $("offline").hidden = false;
  }
  await refreshPrinter();
}

/** The kiosk's printer as its print agent last reported it (GET /api/v1/kiosks/me). */
async function refreshPrinter() {
  if (!state.token && !local) return;
  try {
    const { ok, body } = await api("/api/v1/kiosks/me");
    if (!ok) return;
    const h = body.health;
    state.printerProblem = !h || !h.connected ? "agent"
      : ["paper_out", "cover_open", "offline"].includes(h.printer) ? h.printer : null;
  } catch {
    return; // the offline overlay already says the server is unreachable
  }
  renderPrinter();
}

function renderPrinter() {
  const p = state.printerProblem;
  const status = p ? T[state.lang].printer[p] : "";
  $("printer-notice").hidden = !p;
  $("printer-notice").textContent = p ? t("printerTop", { status }) : "";
  const done = $("done-print");
  const u = state.unprinted;
  $("screen-done").classList.toggle("unprinted", Boolean(u));
  done.classList.toggle("problem", Boolean(p || u));
  if (u) {
    // Not confirmed printed: the number in large type, and what to do.
    const why = T[state.lang].why[u.reason] || u.reason || "";
    done.textContent = u.outcome === "unknown" ? t("unknownPrint") : t("failedPrint", { why });
  } else {
    done.textContent = p ? t("noPrint", { status }) : t("takeTicket");
  }
  // The notice already asks for a photograph; the generic hint would repeat it.
  $("done-hint").hidden = Boolean(p || u);
  renderReprint();
}

/** The reprint button and what became of the tap. */
function renderReprint() {
  const r = state.reprint;
  const button = $("reprint");
  button.hidden = !(r === "offered" || r === "asking");
  button.disabled = r === "asking";
  button.textContent = t("reprint");
  const note = $("reprint-note");
  const text = r === "done" ? t("reprinting") : r && typeof r === "object" ? i18n.errorText(r) : "";
  note.hidden = !text;
  note.textContent = text;
  note.classList.toggle("problem", r !== "done");
}

/** A print went wrong: one copy may be asked for, until a minute after issue. */
function offerReprint() {
  const s = state.shown;
  if (!s || state.reprint) return;
  const left = s.since + REPRINT_MS - Date.now();
  if (left <= 0) return;
  state.reprint = "offered";
  clearTimeout(state.reprintTimer);
  state.reprintTimer = setTimeout(() => {
    if (state.reprint === "offered") state.reprint = null;
    renderReprint();
  }, left);
  renderReprint();
}

async function askReprint() {
  const s = state.shown;
  if (!s || state.reprint !== "offered") return;
  state.reprint = "asking";
  renderReprint();
  let r;
  try {
    r = await api(`/api/v1/kiosks/me/tickets/${encodeURIComponent(s.token)}/reprint`, { method: "POST" });
  } catch (e) {
    r = { ok: false, error: e };
  }
  // The citizen may have left meanwhile.
  if (state.shown !== s) return;
  state.reprint = r.ok ? "done" : r.error || new Error("reprint");
  renderReprint();
}

/** The ping's verdict: the full-screen notice, or on `luot-kiosk --ui` (which issues offline) a
 * strip at the top. */
function renderLink() {
  const lost = !state.connected;
  $("link-notice").hidden = !(lost && local);
  $("link-notice").textContent = lost && local ? t("lostLink") : "";
  if (!local && lost) $("offline").hidden = false;
}

/** One ping with a deadline: a server that died (or a LAN that hangs) shows within 7 s. */
async function ping() {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), PING_DEADLINE_MS);
  let up = false;
  try {
    const r = await fetch("/healthz", { signal: ctl.signal, cache: "no-store" });
    up = r.ok;
  } catch {
    up = false;
  } finally {
    clearTimeout(timer);
  }
  const was = state.connected;
  state.connected = up;
  renderLink();
  // Back: the next refresh clears the notice with fresh services.
  if (up && !was) refresh();
}

/** Issues a ticket, retrying a network failure with the same key. */
async function issue(service, priority = null) {
  if (state.busy) return;
  state.busy = true;
  hideBanner();
  const key = idempotencyKey();
  const body = { service: service.code, priority };
  let res = null;
  for (let attempt = 0; attempt < 4 && !res; attempt++) {
    try {
      res = await api(`/api/v1/centres/${state.centre}/tickets`, {
        method: "POST",
        headers: { "Idempotency-Key": key },
        body,
      });
    } catch {
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  state.busy = false;
  if (!res) {
    $("offline").hidden = false;
    return;
  }
  if (!res.ok) {
    if (res.status === 401 || res.status === 403) banner(t("needToken"));
    else banner(i18n.errorText(res.error));
    reset();
    refresh();
    return;
  }
  showIssued(res.body);
  refresh();
}

/** Shows an issued ticket; `appointment` is the checked-in booking behind it, if any. */
function showIssued(ticket, appointment = null) {
  state.chosen = null;
  $("done-number").textContent = ticket.number;
  $("done-service").textContent = state.lang === "en" ? ticket.service_name_en : ticket.service_name;
  // A booking waits for its slot, not behind the people ahead: say when it is served.
  $("done-wait").textContent = ticket.offline ? t("offlineTicket") : appointment
    ? t("appointmentWait", { time: localTime(appointment.slot_start) })
    : ticket.position > 0 ? t("ahead", { n: ticket.position, m: ticket.eta_minutes }) : t("noneAhead");
  const img = $("done-ticket");
  img.hidden = false;
  img.onerror = () => (img.hidden = true);
  img.src = `/api/v1/tickets/${encodeURIComponent(ticket.token)}/ticket.png`;
  img.alt = ticket.number;
  window.luotKiosk.lastTicket = ticket;
  state.unprinted = null;
  state.shown = { token: ticket.token, since: Date.now() };
  state.reprint = null;
  clearTimeout(state.reprintTimer);
  renderPrinter();
  state.printing = Boolean(state.token || local);
  show("done");
  if (state.printing) waitForPrint(Date.now(), ticket.number);
  // Offered once the server says the centre sends notices; nothing waits for it.
  // Served by luot-kiosk --ui with the server out of reach: nobody to take the phone.
  if (local && !state.connected) notice.clear();
  else notice.offer(ticket);
}

/**
 * Keeps the number on screen until this kiosk's print queue is empty (the
 * ticket is out), then arms the usual timer; a printer in trouble or an
 * agent that never takes the job ends the wait after IDLE_SECONDS.unprinted.
 */
async function waitForPrint(since, number) {
  if (!state.printing) return;
  let printed = false;
  let unprinted = null;
  try {
    const { ok, body } = await api("/api/v1/kiosks/me");
    // This ticket's job and the kiosk's answer for it (`printed`, `unknown`, `failed`, `expired`).
    const job = ok ? (body.recent_jobs || []).find((j) => j.ticket_number === number && !j.reprint) : null;
    if (job?.outcome && job.outcome !== "printed") unprinted = { outcome: job.outcome, reason: job.reason };
    printed = job ? job.outcome === "printed" : ok && body.pending_jobs === 0;
  } catch {
    printed = false;
  }
  const gaveUp = Date.now() - since > IDLE_SECONDS.unprinted * 1000;
  if (!state.printing) return;
  if (unprinted) {
    state.printing = false;
    state.unprinted = unprinted;
    offerReprint();
    renderPrinter();
    if (document.querySelector("#screen-done.active")) armIdle("done");
    return;
  }
  if (printed || gaveUp) {
    state.printing = false;
    if (document.querySelector("#screen-done.active")) armIdle("done");
    return;
  }
  state.printTimer = setTimeout(() => waitForPrint(since, number), PRINT_POLL_MS);
}

async function openCheckin() {
  show("checkin");
  const box = $("checkin");
  box.replaceChildren();
  try {
    const { renderCheckIn } = await import("/kiosk/checkin.js");
    state.checkin = renderCheckIn(box, {
      centre: state.centre,
      lang: state.lang,
      keypad: true,
      authorization: state.token ? `Bearer ${state.token}` : undefined,
      // The panel shows the outcome ({ new, ticket, appointment }); the kiosk
      // then shows the ticket like a walk-in one, QR included.
      onTicket: (outcome) => outcome?.ticket && showIssued(outcome.ticket, outcome.appointment),
      // Too late for the booking: a normal ticket for the same service.
      onWalkIn: (code) => {
        const s = state.services.find((x) => x.code === code);
        if (s) issue(s);
        else reset();
      },
    });
  } catch {
    box.textContent = t("checkinMissing");
  }
}

$("lang").addEventListener("click", () => {
  i18n.toggle();
  applyLang();
});
$("priority-no").addEventListener("click", () => state.chosen && issue(state.chosen, null));
$("reprint").addEventListener("click", askReprint);
$("checkin-path").addEventListener("click", openCheckin);
document.querySelectorAll("[data-back]").forEach((b) => b.addEventListener("click", reset));
document.addEventListener("pointerdown", () => {
  const active = document.querySelector(".screen.active");
  if (active && active.id !== "screen-start") armIdle(active.id.replace("screen-", ""));
});

/** For tests and diagnostics. */
window.luotKiosk = { state, refresh, refreshPrinter, ping, lastTicket: null };

applyLang();
if (!state.token && !local) banner(t("needToken"));
refresh();
setInterval(refresh, REFRESH_MS);
setInterval(ping, PING_MS);
setInterval(tick, 15_000);
