// The counter's rating tablet (/rate/{counter}): a registered rating device
// (token once in the address, then kept in localStorage). It follows the
// centre's event stream (resuming with ?after= after a drop, so a completion
// during the outage still asks); when its counter completes a ticket it asks
// for a rating. A tap chooses the level; the rating is sent with the comment
// when the citizen presses "Gửi", or by itself after SEND_AFTER_MS without a
// touch or a key, so a comment typed after the tap is kept and sent.
// When the ticket has a dossier code and the centre set an evaluation link
// (the provincial portal's rating page), the prompt and the thanks screen show
// it as a QR code and a link (GET .../counters/{counter}/evaluation), so the
// citizen can also rate where the province's index counts; a code attached
// after the completion shows it too (dossier_attached).
import { deviceToken, request } from "/shared/api.js";
import { EventStream } from "/shared/stream.js";

/** Quiet time after the last tap or keystroke before a chosen rating is sent. */
const SEND_AFTER_MS = 20_000;

const $ = (s) => document.querySelector(s);
const counter = Number(location.pathname.split("/").filter(Boolean)[1]);
const token = deviceToken("luot.rating.token");
const st = { centre: null, chosen: 0, sendTimer: null, hideTimer: null, stream: null };

function screen(which) {
  for (const id of ["idle", "prompt", "thanks"]) $("#" + id).hidden = id !== which;
  // The evaluation link goes with the prompt and the thanks, not the idle screen.
  $("#evaluation-box").hidden = which === "idle";
}

function error(text) {
  $("#error").textContent = text;
  $("#error").hidden = !text;
}

function choose(rating) {
  st.chosen = rating;
  document.querySelectorAll("#levels button").forEach((b) => {
    b.setAttribute("aria-pressed", String(Number(b.dataset.rating) === rating));
  });
  $("#send").disabled = false;
  $("#comment").focus();
  armSend();
}

function armSend() {
  clearTimeout(st.sendTimer);
  if (st.chosen) st.sendTimer = setTimeout(send, SEND_AFTER_MS);
}

/** How long the thanks screen stays up: longer when it carries a link to scan. */
const THANKS_MS = 8000;
const THANKS_WITH_LINK_MS = 60_000;

/** Shows (or hides) the evaluation link of the ticket this counter finished last. */
async function evaluation() {
  const r = await request("GET", `/api/v1/centres/${st.centre}/counters/${counter}/evaluation`, { token }).catch(() => null);
  const url = r && r.evaluation_url;
  $("#evaluation").hidden = !url;
  if (!url) return;
  $("#evaluation-link").href = url;
  $("#evaluation-link").textContent = url;
  $("#evaluation-qr").src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.qr_svg)}`;
}

async function ask(number) {
  // A new completion while one is pending: the pending one goes first.
  if (st.chosen) await send();
  $("#number").textContent = number;
  $("#comment").value = "";
  st.chosen = 0;
  document.querySelectorAll("#levels button").forEach((b) => b.setAttribute("aria-pressed", "false"));
  $("#send").disabled = true;
  $("#evaluation").hidden = true;
  screen("prompt");
  evaluation();
  clearTimeout(st.hideTimer);
  st.hideTimer = setTimeout(() => { if (!st.chosen) screen("idle"); }, 120000);
}

async function send() {
  const rating = st.chosen;
  if (!rating) return;
  st.chosen = 0;
  clearTimeout(st.sendTimer);
  $("#send").disabled = true;
  const comment = $("#comment").value.trim() || null;
  try {
    await request("POST", `/api/v1/centres/${st.centre}/counters/${counter}/feedback`, { token, body: { rating, comment } });
  } catch (e) {
    if (e.status !== 409) {
      error(`${e.vi} · ${e.en}`);
      screen("idle");
      return;
    }
  }
  error("");
  screen("thanks");
  clearTimeout(st.hideTimer);
  st.hideTimer = setTimeout(() => screen("idle"), $("#evaluation").hidden ? THANKS_MS : THANKS_WITH_LINK_MS);
}

document.querySelectorAll("#levels button").forEach((b) => {
  b.addEventListener("click", () => choose(Number(b.dataset.rating)));
});
$("#send").addEventListener("click", send);
$("#comment").addEventListener("input", armSend);
document.addEventListener("pointerdown", armSend);

async function start() {
  if (!token) return error("Thiết bị chưa được đăng ký (mở trang bằng đường dẫn ghép nối) · Device not registered");
  const me = await request("GET", "/api/v1/auth/me", { token }).catch(() => null);
  if (!me || me.type !== "device" || me.kind !== "rating") {
    return error("Mã thiết bị không hợp lệ hoặc đã bị thu hồi · Invalid or revoked device token");
  }
  // The tablet rates at the counter it was registered for, whatever the address says.
  if (!me.counter) {
    return error("Máy đánh giá chưa gắn với quầy nào: hãy đăng ký lại · This tablet is bound to no counter: register it again");
  }
  if (me.counter !== counter) return location.replace(`/rate/${me.counter}`);
  st.centre = me.centre;
  screen("idle");
  st.stream = new EventStream({
    centre: st.centre,
    onEvent: (e) => {
      if (e.type === "ticket_completed" && e.counter === counter) ask(e.number);
      // A code attached between citizens goes to the ticket just finished.
      if (e.type === "dossier_attached" && e.counter === counter && $("#idle").hidden) evaluation();
    },
  });
  st.stream.start();
}

/** For tests: the event stream (to drop it) and the pending choice. */
window.luotRate = { get stream() { return st.stream; }, get chosen() { return st.chosen; } };

start();
