// The counter's rating tablet (/rate/{counter}): a registered rating device
// (token once in ?token=..., then kept in localStorage). It follows the centre's
// event stream; when its counter completes a ticket it asks for a rating and
// submits it for that counter's last completed ticket, once.
const $ = (s) => document.querySelector(s);
const counter = Number(location.pathname.split("/").filter(Boolean)[1]);
const params = new URLSearchParams(location.search);
if (params.get("token")) {
  localStorage.setItem("luot.rating.token", params.get("token"));
  params.delete("token");
  history.replaceState(null, "", location.pathname + (params.toString() ? `?${params}` : ""));
}
const token = localStorage.getItem("luot.rating.token") || "";
let centre = null;
let hideTimer = null;

function screen(which) {
  for (const id of ["idle", "prompt", "thanks"]) $("#" + id).hidden = id !== which;
}

function error(text) {
  $("#error").textContent = text;
  $("#error").hidden = !text;
}

function ask(number) {
  $("#number").textContent = number;
  $("#comment").value = "";
  screen("prompt");
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => screen("idle"), 120000);
}

async function rate(rating) {
  const comment = $("#comment").value.trim() || null;
  const r = await fetch(`/api/v1/centres/${centre}/counters/${counter}/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ rating, comment }),
  });
  if (r.ok || r.status === 409) {
    screen("thanks");
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => screen("idle"), 8000);
  } else {
    const body = await r.json().catch(() => ({}));
    error(body.message || String(r.status));
    screen("idle");
  }
}

function follow() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/api/v1/centres/${centre}/events`);
  ws.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.type === "ticket_completed" && e.counter === counter) ask(e.number);
  };
  ws.onclose = () => setTimeout(follow, 2000);
}

document.querySelectorAll("#levels button").forEach((b) => {
  b.onclick = () => rate(Number(b.dataset.rating));
});

async function start() {
  if (!token) return error("Thiết bị chưa được đăng ký (mở trang bằng đường dẫn có ?token=…) · Device not registered");
  const r = await fetch("/api/v1/auth/me", { headers: { authorization: `Bearer ${token}` } });
  const me = r.ok ? await r.json() : null;
  if (!me || me.type !== "device" || me.kind !== "rating") {
    return error("Mã thiết bị không hợp lệ hoặc đã bị thu hồi · Invalid or revoked device token");
  }
  centre = me.centre;
  screen("idle");
  follow();
}

start();
