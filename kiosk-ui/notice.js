// "Báo sắp đến lượt" on the kiosk's ticket screen. After a ticket is issued,
// when the centre sends turn notices and the ticket waits, the citizen may
// leave a phone for this ticket's notices: typed on an on-screen keypad (a
// kiosk has no keyboard), with its own consent box that starts unticked (Law
// 91/2025/QH15: one purpose, one consent). The consent text and version are
// the server's, the same as the ticket page's box (portal-ui/notice.js); the
// phone goes to POST /api/v1/tickets/{token}/notice with `source: "kiosk"`
// and the kiosk's device token.
//
// A kiosk screen is public: the phone is never shown back, not even masked
// (a phone already on the ticket, a booking's, means no offer), and it is
// wiped from the page when the kiosk returns to the start. Nothing waits for
// this: the offer appears when the server's answer comes, printing goes on,
// and the screen's own timer still returns to the start (longer while the
// box is open). An offline ticket (luot-kiosk --ui without the server) gets
// no offer: there is no server to take the phone.
import { call } from "/shared/api.js";

const T = {
  vi: {
    offer: "Nhắn tin cho tôi khi sắp đến lượt",
    title: "Nhắn tin khi sắp đến lượt",
    phone: "Số điện thoại di động",
    erase: "Xóa",
    clear: "Xóa hết",
    send: "Nhận tin báo",
    skip: "Bỏ qua",
    needConsent: "Bạn cần đánh dấu ô đồng ý để nhận tin báo.",
    needPhone: "Vui lòng nhập số điện thoại di động.",
    done: "Đã đăng ký: Trung tâm sẽ nhắn tin khi còn {ahead} người trước bạn và khi bạn được gọi.",
  },
  en: {
    offer: "Text me when my turn is near",
    title: "Text me when my turn is near",
    phone: "Mobile phone number",
    erase: "Delete",
    clear: "Clear",
    send: "Get notices",
    skip: "No, thanks",
    needConsent: "Please tick the consent box to get notices.",
    needPhone: "Please type your mobile phone number.",
    done: "Done: the centre will text you when {ahead} people are ahead of you and when you are called.",
  },
};

/** Digits of a Vietnamese mobile number (0912345678); a few spare. */
const MAX_DIGITS = 11;

/**
 * Mounts the box in `#notice`. Options: `lang()` (the page's language),
 * `token()` (the kiosk's device token), `onChange()` (the box opened, closed
 * or was sent: the kiosk re-arms its timer).
 */
export function mountNotice({ lang, token, onChange }) {
  const $ = (id) => document.getElementById(id);
  const t = (k, v = {}) => T[lang()][k].replace(/\{(\w+)\}/g, (_, x) => String(v[x] ?? ""));
  const input = $("notice-phone");
  // The state of the offer: the ticket's token, the server's answer, the phase.
  let current = null;
  let answer = null;
  /** "hidden", "offered", "open", "sending" or "done". */
  let phase = "hidden";
  let error = "";

  const keypad = $("notice-keypad");
  for (const value of ["1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "clear"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = value.length > 1 ? "notice-key word" : "notice-key";
    b.dataset.key = value;
    // The input keeps the focus (a physical keyboard still types there).
    b.addEventListener("pointerdown", (ev) => ev.preventDefault());
    b.addEventListener("click", () => press(value));
    keypad.append(b);
  }

  function press(value) {
    if (value === "erase") input.value = input.value.slice(0, -1);
    else if (value === "clear") input.value = "";
    else if (input.value.replace(/\D/g, "").length < MAX_DIGITS) input.value += value;
    error = "";
    render();
  }

  function render() {
    $("notice").hidden = phase === "hidden";
    $("notice-open").hidden = phase !== "offered";
    $("notice-form").hidden = !(phase === "open" || phase === "sending");
    $("notice-send").disabled = phase === "sending";
    $("notice-done").hidden = phase !== "done";
    // While the box is open it takes the place of the ticket image.
    $("screen-done").classList.toggle("noticing", phase === "open" || phase === "sending");
    $("notice-open").textContent = t("offer");
    $("notice-title").textContent = t("title");
    $("notice-phone-label").textContent = t("phone");
    $("notice-send").textContent = t("send");
    $("notice-skip").textContent = t("skip");
    for (const b of keypad.querySelectorAll(".word")) b.textContent = t(b.dataset.key);
    for (const b of keypad.querySelectorAll(".notice-key:not(.word)")) b.textContent = b.dataset.key;
    $("notice-consent-text").textContent = answer ? (lang() === "en" ? answer.consent.en : answer.consent.vi) : "";
    $("notice-error").textContent = typeof error === "string" ? error : error.text(lang());
    $("notice-done").textContent = phase === "done" ? t("done", { ahead: answer?.ahead ?? "" }) : "";
  }

  /** Wipes the phone and the tick from the page. */
  function wipe() {
    input.value = "";
    $("notice-consent").checked = false;
    error = "";
  }

  function close() {
    wipe();
    phase = current && answer ? "offered" : "hidden";
    render();
    onChange();
  }

  $("notice-open").addEventListener("click", () => {
    if (phase !== "offered") return;
    phase = "open";
    render();
    input.focus();
    onChange();
  });
  $("notice-skip").addEventListener("click", close);
  $("notice-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (phase !== "open") return;
    if (!input.value.trim()) {
      error = t("needPhone");
      return render();
    }
    // Unticked: nothing leaves the kiosk.
    if (!$("notice-consent").checked) {
      error = t("needConsent");
      return render();
    }
    const mine = current;
    phase = "sending";
    error = "";
    render();
    const r = await call("POST", `/api/v1/tickets/${encodeURIComponent(mine)}/notice`, {
      token: token(),
      body: { phone: input.value, consent: true, consent_version: answer.consent.version, source: "kiosk" },
    });
    // The citizen may have left meanwhile: the page was wiped already.
    if (current !== mine) return;
    if (r.ok) {
      wipe();
      answer = { ...answer, ...r.body };
      phase = "done";
    } else {
      phase = "open";
      error = r.error;
    }
    render();
    onChange();
  });

  render();
  return {
    /** Whether the citizen is typing (the kiosk waits longer before returning). */
    get open() {
      return phase === "open" || phase === "sending";
    },
    /** A ticket is shown: offer the box if the centre sends notices and it waits. */
    async offer(ticket) {
      this.clear();
      if (ticket.offline || !["waiting", "transferred"].includes(ticket.status)) return;
      const mine = ticket.token;
      current = mine;
      const r = await call("GET", `/api/v1/tickets/${encodeURIComponent(mine)}/notice`, { token: token() });
      if (current !== mine || !r.ok) return;
      // No notifier, or a phone already left (a booking's): nothing to offer.
      if (!r.body?.available || r.body.phone) return;
      answer = r.body;
      phase = "offered";
      render();
    },
    /** Back to the start: the phone is wiped and the box hidden. */
    clear() {
      current = null;
      answer = null;
      phase = "hidden";
      wipe();
      render();
    },
    render,
  };
}
