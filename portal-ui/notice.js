// "Your turn is near" on the ticket page: the citizen may leave a phone for
// this ticket's notices, with its own consent box that starts unticked (Law
// 91/2025/QH15: one purpose, one consent). Shown only when the centre sends
// notices and while the ticket is waiting. The phone is deleted when the
// ticket ends; "Hủy" deletes it at once.
import { request } from "/shared/api.js";

const T = {
  vi: {
    noticeTitle: "Nhắn tin khi sắp đến lượt", noticePhone: "Số điện thoại di động",
    noticeSend: "Nhận tin báo", noticeCancel: "Rút lại đồng ý (hủy nhận tin)",
    noticeOn: "Sẽ nhắn tới {phone} khi còn {ahead} người trước bạn và khi được gọi.",
    noticeConsent: "Bạn cần đánh dấu đồng ý.",
  },
  en: {
    noticeTitle: "Text me when my turn is near", noticePhone: "Mobile phone number",
    noticeSend: "Get notices", noticeCancel: "Withdraw consent (stop notices)",
    noticeOn: "We will text {phone} when {ahead} people are ahead of you and when you are called.",
    noticeConsent: "Please tick the consent box.",
  },
};

/** Mounts the notice section for `token`; `lang()` gives the page's language. */
export function mountNotice(token, lang) {
  const $ = (id) => document.getElementById(id);
  const path = `/api/v1/tickets/${encodeURIComponent(token)}/notice`;
  const t = (k, v = {}) => String(T[lang()][k]).replace(/\{(\w+)\}/g, (_, x) => v[x] ?? "");
  let last = null;
  let waiting = false;

  function render() {
    const n = last;
    $("notice").hidden = !n || !n.available || (!waiting && !n.phone);
    if (!n) return;
    document.querySelectorAll("[data-notice]").forEach((e) => (e.textContent = t(e.dataset.notice)));
    $("notice-consent-text").textContent = lang() === "en" ? n.consent.en : n.consent.vi;
    $("notice-form").hidden = Boolean(n.phone);
    $("notice-on").hidden = !n.phone;
    if (n.phone) $("notice-on-text").textContent = t("noticeOn", { phone: n.phone, ahead: n.ahead });
  }

  async function refresh() {
    last = await request("GET", path).catch(() => null);
    render();
  }

  $("notice-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("notice-error").textContent = "";
    if (!$("notice-consent").checked) {
      $("notice-error").textContent = t("noticeConsent");
      return;
    }
    try {
      last = await request("POST", path, { body: {
        phone: $("notice-phone").value, consent: true, consent_version: last.consent.version,
      } });
      $("notice-phone").value = "";
      $("notice-consent").checked = false;
    } catch (e) {
      $("notice-error").textContent = e.text(lang());
    }
    render();
  });
  $("notice-cancel").addEventListener("click", async () => {
    await request("DELETE", path).catch(() => null);
    await refresh();
  });

  return {
    /** Called on every ticket re-read: the section follows the status. */
    update(ticket) {
      const was = waiting;
      waiting = ["waiting", "transferred"].includes(ticket.status);
      if (!last || was !== waiting) refresh(); else render();
    },
    render,
  };
}
