// The ticket status page behind the QR code (/t/{token}): number, service,
// status, people ahead and ETA, updated live from the centre's event stream
// (reconnecting with ?after=), with a clear alert when the number is called and
// a rating form once served. Shows no personal data: the API has none to give.
import { request } from "/shared/api.js";
import { EventStream } from "/shared/stream.js";
import { mountNotice } from "/portal/notice.js";

const T = {
  vi: {
    yourNumber: "Số thứ tự của bạn", ahead: "Người chờ trước bạn", eta: "Thời gian chờ dự kiến",
    issued: "Giờ lấy số", live: "Trang tự cập nhật, không cần tải lại.", yourTurn: "Đến lượt bạn!",
    goTo: "Mời đến quầy số {counter}", minutes: "{m} phút", rateTitle: "Bạn đánh giá thế nào về việc phục vụ?",
    send: "Gửi đánh giá", thanks: "Cảm ơn bạn đã đánh giá!", already: "Bạn đã đánh giá số này.",
    notFound: "Không tìm thấy số thứ tự này. Hãy quét lại mã QR trên phiếu.", lang: "English",
    comment: "Góp ý (không bắt buộc)", documents: "Giấy tờ cần mang",
    dossiers: "Mã hồ sơ", evaluate: "Đánh giá hồ sơ trên Cổng dịch vụ công",
    status: { waiting: "Đang chờ", called: "Đã được gọi", serving: "Đang được phục vụ", done: "Đã hoàn thành",
      no_show: "Vắng mặt khi được gọi", cancelled: "Đã hủy", transferred: "Đã chuyển, đang chờ",
      expired: "Phiếu đã hết hạn" },
    expiredOn: "Phiếu đã hết hạn ngày {date}: ngày làm việc đã kết thúc. Vui lòng lấy số mới.",
    levels: ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"],
  },
  en: {
    yourNumber: "Your number", ahead: "People ahead", eta: "Expected wait", issued: "Issued at",
    live: "This page updates by itself.", yourTurn: "It's your turn!", goTo: "Please go to counter {counter}",
    minutes: "{m} min", rateTitle: "How was the service?", send: "Send rating", thanks: "Thank you for your rating!",
    already: "You have already rated this ticket.", notFound: "This ticket was not found. Please scan the QR code on your ticket again.",
    lang: "Tiếng Việt", comment: "Comment (optional)", documents: "Documents to bring",
    dossiers: "Dossier codes", evaluate: "Rate this dossier on the public service portal",
    status: { waiting: "Waiting", called: "Called", serving: "Being served", done: "Done",
      no_show: "Missed the call", cancelled: "Cancelled", transferred: "Transferred, waiting",
      expired: "Ticket expired" },
    expiredOn: "Ticket expired on {date}: the working day ended. Please take a new number.",
    levels: ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"],
  },
};

const token = decodeURIComponent(location.pathname.split("/").pop());
const state = { lang: new URLSearchParams(location.search).get("lang") === "en" ? "en" : "vi",
  ticket: null, alerted: false, rating: 0, stream: null,
  /** The documents to bring for this ticket's service ({vi, en}), once known. */
  documents: null,
  /** The ticket's centre (name in both languages, timezone), once known. */
  centre: null };
const $ = (id) => document.getElementById(id);
const notice = mountNotice(token, () => state.lang);
const t = (k, v = {}) => String(T[state.lang][k] ?? k).replace(/\{(\w+)\}/g, (_, x) => v[x] ?? "");

async function load() {
  try {
    state.ticket = await request("GET", `/api/v1/tickets/${encodeURIComponent(token)}`);
  } catch (e) {
    if (e.status !== 404) return state.ticket;
    $("error").textContent = t("notFound");
    $("error").hidden = false;
    $("found").hidden = true;
    return null;
  }
  render();
  showDossiers();
  return state.ticket;
}

// The dossier codes the officer attached, and once served the provincial
// rating page of the first one (link and QR), when the centre set one.
async function showDossiers() {
  const d = await request("GET", `/api/v1/tickets/${encodeURIComponent(token)}/dossiers`).catch(() => null);
  if (!d || !d.dossiers.length) return;
  $("dossiers-text").textContent = d.dossiers.join(", ");
  $("dossiers").hidden = false;
  if (d.evaluation_url) {
    $("evaluation-link").href = d.evaluation_url;
    $("evaluation-qr").src = `/api/v1/tickets/${encodeURIComponent(token)}/evaluation.svg`;
    $("evaluation").hidden = false;
  }
}

function render() {
  const tk = state.ticket;
  if (!tk) return;
  $("number").textContent = tk.number;
  $("service").textContent = state.lang === "en" ? tk.service_name_en : tk.service_name;
  const tz = state.centre?.timezone || "Asia/Ho_Chi_Minh";
  $("status").textContent = tk.status === "expired"
    ? t("expiredOn", { date: new Intl.DateTimeFormat("en-GB", { timeZone: tz, day: "2-digit", month: "2-digit", year: "numeric" })
      .format(new Date(tk.finished_at || tk.issued_at)) })
    : T[state.lang].status[tk.status] || tk.status;
  const waiting = tk.status === "waiting" || tk.status === "transferred";
  $("position").textContent = waiting ? tk.position : "–";
  $("eta").textContent = waiting ? t("minutes", { m: tk.eta_minutes }) : "–";
  // The centre's clock, as printed on the ticket, whatever the phone's timezone.
  $("issued").textContent = new Intl.DateTimeFormat("en-GB", {
    timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).format(new Date(tk.issued_at));
  const called = tk.status === "called" || tk.status === "serving";
  $("called").hidden = !called;
  if (called) $("called-where").textContent = t("goTo", { counter: tk.counter });
  if (tk.status === "called" && !state.alerted) {
    state.alerted = true;
    if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 600]);
  }
  if (tk.status !== "called") state.alerted = tk.status === "serving" || state.alerted;
  $("rate").hidden = tk.status !== "done";
  const docs = state.documents && (state.lang === "en" ? state.documents.en || state.documents.vi : state.documents.vi);
  $("documents").hidden = !docs || !["waiting", "transferred", "called"].includes(tk.status);
  $("documents-text").textContent = docs || "";
  document.title = `${tk.number} – ${T[state.lang].status[tk.status] || tk.status}`;
  notice.update(tk);
  window.luotTicket = { ticket: tk };
}

function applyLang() {
  document.documentElement.lang = state.lang;
  document.querySelectorAll("[data-i18n]").forEach((e) => (e.textContent = t(e.dataset.i18n)));
  document.querySelectorAll("[data-i18n-placeholder]").forEach((e) => (e.placeholder = t(e.dataset.i18nPlaceholder)));
  document.querySelectorAll("[data-i18n-label]").forEach((e) => e.setAttribute("aria-label", t(e.dataset.i18nLabel)));
  if (state.centre) $("centre").textContent = state.lang === "en" ? state.centre.name_en : state.centre.name;
  if (!$("error").hidden && !state.ticket) $("error").textContent = t("notFound");
  $("lang").textContent = t("lang");
  renderLevels();
  render();
}

function renderLevels() {
  const box = $("levels");
  box.replaceChildren();
  T[state.lang].levels.forEach((label, i) => {
    const value = 5 - i;
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.dataset.value = value;
    b.className = state.rating === value ? "chosen" : "";
    b.addEventListener("click", () => { state.rating = value; renderLevels(); });
    box.append(b);
  });
}

async function sendRating() {
  if (!state.rating) return;
  let status = 200;
  let text = t("thanks");
  try {
    await request("POST", `/api/v1/tickets/${encodeURIComponent(token)}/feedback`,
      { body: { rating: state.rating, comment: $("comment").value.trim() || null } });
  } catch (e) {
    status = e.status;
    text = e.status === 409 ? t("already") : e.text(state.lang);
  }
  $("rate-result").textContent = text;
  if (status === 200 || status === 409) $("send-rating").disabled = true;
}

/** Follows the centre's events; any event that can move this ticket triggers a re-read. */
function connect() {
  if (!state.ticket || state.stream) return;
  let pending = null;
  const changed = (e) => {
    clearTimeout(pending);
    pending = setTimeout(load, e.number === state.ticket?.number ? 0 : 300);
  };
  state.stream = new EventStream({ centre: state.ticket.centre, onSnapshot: changed, onEvent: changed });
  state.stream.start();
}

$("lang").addEventListener("click", () => { state.lang = state.lang === "vi" ? "en" : "vi"; applyLang(); });
$("send-rating").addEventListener("click", sendRating);
applyLang();
// The centre's name (in the chosen language) and timezone, once the ticket says which.
const centre = request("GET", "/api/v1/centres").catch(() => []);
async function showCentre() {
  const cs = await centre;
  state.centre = cs.find((x) => x.code === state.ticket?.centre) || cs[0] || null;
  // The documents to bring ("giấy tờ cần mang") for the ticket's service, as the administrator set them.
  const info = state.ticket && await request("GET", `/api/v1/centres/${encodeURIComponent(state.ticket.centre)}/booking`).catch(() => null);
  const svc = info?.services.find((s) => s.code === state.ticket.service);
  if (svc && svc.settings.bring_note) state.documents = { vi: svc.settings.bring_note, en: svc.settings.bring_note_en };
  applyLang();
}
load().then((tk) => { showCentre(); connect(); return tk; });
// A slow safety net in case the event stream is unavailable.
setInterval(load, 30_000);
