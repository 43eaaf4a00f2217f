// The counter console: sign in (session cookie + CSRF token), choose a counter
// this account may use, then call, recall, start, complete, mark no-show,
// transfer, pause/resume and issue tickets, with keyboard shortcuts. The waiting
// list comes from the queue snapshot, refreshed on every event of the centre's
// live stream (and every 10 s as a safety net).
import { T } from "./i18n.js";

const $ = (s) => document.querySelector(s);
const st = { lang: localStorage.getItem("luot.lang") || "vi", staff: null, centre: null, counter: null, snap: null, ws: null };
const t = (k) => (T[st.lang] && T[st.lang][k]) || T.vi[k] || k;

function translate() {
  document.documentElement.lang = st.lang;
  document.querySelectorAll("[data-t]").forEach((e) => { e.textContent = t(e.dataset.t); });
  document.querySelectorAll("[data-tp]").forEach((e) => { e.placeholder = t(e.dataset.tp); });
  $("#lang").textContent = st.lang === "vi" ? "EN" : "VI";
}

function say(text, error = false) {
  const m = $("#message");
  m.textContent = text;
  m.className = error ? "error" : "";
}

function csrf() {
  const m = document.cookie.match(/(?:^|; )luot_csrf=([^;]*)/);
  return m ? m[1] : "";
}

async function api(method, path, body) {
  const headers = { "x-csrf-token": csrf() };
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (r.status === 401) { show("login"); throw new Error(t("signedOut")); }
  if (!r.ok) throw new Error(data ? (st.lang === "vi" ? data.message : data.message_en) : String(r.status));
  return { status: r.status, data };
}

function show(which) {
  for (const id of ["login", "choose", "desk"]) $("#" + id).hidden = id !== which;
  $("#logout").hidden = which === "login";
}

async function start() {
  translate();
  try {
    const r = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
    if (r.status !== 200) return show("login");
    const me = await r.json();
    if (me.type !== "staff") return show("login");
    await signedIn(me);
  } catch (e) { say(e.message, true); show("login"); }
}

async function signedIn(staff) {
  st.staff = staff;
  $("#who").textContent = staff.display_name;
  const centres = (await api("GET", "/api/v1/centres")).data;
  st.centre = staff.centre || (centres[0] && centres[0].code);
  await refresh();
  const saved = Number(sessionStorage.getItem("luot.counter"));
  const mine = allowedCounters();
  if (mine.some((k) => k.number === saved)) return chooseCounter(saved);
  if (mine.length === 1) return chooseCounter(mine[0].number);
  const box = $("#counters");
  box.replaceChildren(...mine.map((k) => {
    const b = document.createElement("button");
    b.textContent = k.name;
    b.onclick = () => chooseCounter(k.number);
    return b;
  }));
  show("choose");
}

function allowedCounters() {
  const all = (st.snap && st.snap.counters) || [];
  const list = st.staff.counters;
  return all.filter((k) => st.staff.role === "admin" || !list || list.includes(k.number));
}

function chooseCounter(n) {
  st.counter = n;
  sessionStorage.setItem("luot.counter", String(n));
  fillForms();
  render();
  show("desk");
  follow();
}

async function refresh() {
  st.snap = (await api("GET", `/api/v1/centres/${st.centre}/queue`)).data;
  if (st.counter) {
    render();
    const f = (await api("GET", `/api/v1/centres/${st.centre}/counters/${st.counter}/today`)).data;
    const mean = f.mean_service_minutes === null ? "—" : `${f.mean_service_minutes} ${t("min")}`;
    const rating = f.mean_rating === null ? "—" : `${f.mean_rating}/5 (${f.ratings})`;
    $("#figures").textContent =
      `${t("served")}: ${f.served} · ${t("noShows")}: ${f.no_shows} · ${t("meanTime")}: ${mean} · ${t("rating")}: ${rating}`;
  }
}

function fillForms() {
  const services = st.snap.services;
  const opts = (sel, items, keepFirst) => {
    const first = keepFirst ? [sel.options[0]] : [];
    sel.replaceChildren(...first, ...items.map(([v, label]) => new Option(label, v)));
  };
  const name = (s) => `${s.code} · ${st.lang === "vi" ? s.name : s.name_en}`;
  opts($("#transfer [name=service]"), services.map((s) => [s.code, name(s)]), true);
  opts($("#transfer [name=counter]"), st.snap.counters.map((k) => [k.number, k.name]), true);
  opts($("#issue [name=service]"), services.map((s) => [s.code, name(s)]), false);
  fetch("/api/v1/centres").then((r) => r.json()).then((cs) => {
    const c = cs.find((x) => x.code === st.centre);
    const classes = (c && c.priority_classes) || [];
    opts($("#issue [name=priority]"), classes.map((p) => [p.code, st.lang === "vi" ? p.name : p.name_en]), true);
  }).catch(() => {});
}

function render() {
  const k = st.snap.counters.find((x) => x.number === st.counter);
  if (!k) return;
  $("#counter-no").textContent = k.name;
  $("#counter-state").textContent = t("state_" + k.state);
  $("#ticket").textContent = k.current ? k.current.number : "—";
  $("#ticket-status").textContent = k.current ? t("status_" + k.current.status) : t("idle");
  const now = Date.now();
  const rows = st.snap.waiting
    .filter((w) => k.serves.includes(w.service) && (!w.target_counter || w.target_counter === k.number))
    .map((w) => {
      const tr = document.createElement("tr");
      if (w.priority) tr.className = "priority";
      const mins = Math.max(0, Math.round((now - Date.parse(w.issued_at)) / 60000));
      for (const v of [w.number, w.service, w.priority ? t("prio") : "", `${mins} ${t("min")}`]) {
        const td = document.createElement("td");
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    });
  $("#waiting").replaceChildren(...rows);
}

async function act(action, body = {}) {
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/counters/${st.counter}/${action}`, body);
    if (action === "call-next") say(r.status === 204 ? t("nobody") : `${t("called")} ${r.data.number}`);
    else say(r.data && r.data.number ? `${t(action)} · ${r.data.number}` : t("done"));
    await refresh();
  } catch (e) { say(e.message, true); await refresh().catch(() => {}); }
}

function follow() {
  if (st.ws) return;
  const proto = location.protocol === "https:" ? "wss" : "ws";
  let timer = null;
  const open = () => {
    const ws = new WebSocket(`${proto}://${location.host}/api/v1/centres/${st.centre}/events`);
    st.ws = ws;
    ws.onmessage = () => { clearTimeout(timer); timer = setTimeout(() => refresh().catch(() => {}), 150); };
    ws.onclose = () => { st.ws = null; setTimeout(open, 2000); };
  };
  open();
  setInterval(() => refresh().catch(() => {}), 10000);
}

$("#login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const r = await fetch("/api/v1/auth/login", {
    method: "POST", credentials: "same-origin", headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: f.get("username"), password: f.get("password") }),
  });
  const data = await r.json();
  if (!r.ok) return say(st.lang === "vi" ? data.message : data.message_en, true);
  say("");
  e.target.reset();
  await signedIn(data.staff);
});

$("#logout").onclick = async () => {
  await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrf() } });
  sessionStorage.removeItem("luot.counter");
  location.reload();
};

$("#lang").onclick = () => {
  st.lang = st.lang === "vi" ? "en" : "vi";
  localStorage.setItem("luot.lang", st.lang);
  translate();
  if (st.snap && st.counter) { fillForms(); render(); }
};

document.querySelectorAll("#actions button").forEach((b) => { b.onclick = () => act(b.dataset.action); });

$("#transfer").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const body = { note: f.get("note") || null };
  if (f.get("service")) body.service = f.get("service");
  if (f.get("counter")) body.counter = Number(f.get("counter"));
  act("transfer", body);
});

$("#issue").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/tickets`, { service: f.get("service"), priority: f.get("priority") || null });
    say(`${t("issued")} ${r.data.number}`);
    await refresh();
  } catch (err) { say(err.message, true); }
});

document.addEventListener("keydown", (e) => {
  if ($("#desk").hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  if (["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
  const key = e.key.toLowerCase();
  const b = document.querySelector(`#actions button[data-key="${key}"]`);
  if (b) { e.preventDefault(); b.click(); }
  else if (key === "t") { e.preventDefault(); $("#transfer [name=service]").focus(); }
  else if (key === "i") { e.preventDefault(); $("#issue [name=service]").focus(); }
});

start();
