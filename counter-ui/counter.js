// The counter console: sign in (session cookie + CSRF token), choose a counter
// this account may use, then call, recall, start, complete, mark no-show,
// transfer, pause/resume, issue tickets and check bookings in (typed code,
// scanned booking QR or CCCD QR, or a tap in today's list), with keyboard
// shortcuts. The waiting list per service and today's bookings come from the
// staff view of the queue (`?view=staff`, the only place booking names
// appear), refreshed on every event of the centre's live stream (and every
// 10 s as a safety net). A service past its target waiting time (from the
// public live figures, /stats/live, which the browser caches for 5 s) is
// highlighted above the waiting list and on its table.
import { T } from "./i18n.js";
import { classify } from "/kiosk/checkin.js";
import { request } from "/shared/api.js";
import { makeI18n } from "/shared/i18n.js";
import { EventStream } from "/shared/stream.js";

const $ = (s) => document.querySelector(s);
const i18n = makeI18n(T);
const st = { get lang() { return i18n.lang; }, staff: null, centre: null, counter: null, snap: null, stream: null, figures: null, live: null };
const t = (k) => i18n.t(k);

function translate() {
  i18n.translate();
  $("#lang").textContent = st.lang === "vi" ? "EN" : "VI";
}

function say(text, error = false) {
  const m = $("#message");
  m.textContent = text;
  m.className = error ? "error" : "";
}

// Resolves to {status, data}; a failure throws an Error in the page's language
// with the server's reply in `data`; an ended session shows the sign-in form.
async function api(method, path, body) {
  try {
    const r = await request(method, path, { body, raw: true });
    const text = await r.text();
    return { status: r.status, data: text ? JSON.parse(text) : null };
  } catch (e) {
    if (e.status === 401) { show("login"); throw new Error(t("signedOut")); }
    const err = new Error(i18n.errorText(e));
    err.data = e.body;
    throw err;
  }
}

function show(which) {
  for (const id of ["login", "choose", "desk"]) $("#" + id).hidden = id !== which;
  $("#logout").hidden = which === "login";
}

async function start() {
  translate();
  try {
    const me = await request("GET", "/api/v1/auth/me").catch(() => null);
    if (!me || me.type !== "staff") return show("login");
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
  st.snap = (await api("GET", `/api/v1/centres/${st.centre}/queue?view=staff`)).data;
  if (st.counter) {
    render();
    st.figures = (await api("GET", `/api/v1/centres/${st.centre}/counters/${st.counter}/today`)).data;
    renderFigures();
    // Public and cached for 5 s: a burst of events costs one fetch.
    st.live = await request("GET", `/api/v1/centres/${st.centre}/stats/live`).catch(() => st.live);
    render();
  }
}

/** The services this counter serves whose longest wait is past their target now. */
function overTarget(k) {
  return ((st.live && st.live.services) || []).filter((s) => s.over_target && k.serves.includes(s.service));
}

function renderOverTarget(k) {
  const over = overTarget(k);
  const el = $("#over-target");
  el.hidden = over.length === 0;
  el.textContent = over.length === 0 ? "" : `${t("overTarget")}: ${over.map((s) =>
    `${s.service} · ${st.lang === "vi" ? s.name : s.name_en} (${t("longest")} ${s.longest_wait_minutes}/${s.target_wait_minutes} ${t("min")})`).join("; ")}`;
}

function renderFigures() {
  const f = st.figures;
  if (!f) return;
  const mean = f.mean_service_minutes === null ? "—" : `${f.mean_service_minutes} ${t("min")}`;
  const rating = f.mean_rating === null ? "—" : `${f.mean_rating}/5 (${f.ratings})`;
  $("#figures").textContent =
    `${t("served")}: ${f.served} · ${t("noShows")}: ${f.no_shows} · ${t("meanTime")}: ${mean} · ${t("rating")}: ${rating}`;
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
  request("GET", "/api/v1/centres").then((cs) => {
    const c = cs.find((x) => x.code === st.centre);
    const classes = (c && c.priority_classes) || [];
    opts($("#issue [name=priority]"), classes.map((p) => [p.code, st.lang === "vi" ? p.name : p.name_en]), true);
  }).catch(() => {});
}

function render() {
  const k = st.snap.counters.find((x) => x.number === st.counter);
  if (!k) return;
  const booked = new Map(st.snap.booked.map((b) => [b.number, b]));
  $("#counter-no").textContent = k.name;
  $("#counter-state").textContent = t("state_" + k.state);
  $("#ticket").textContent = k.current ? k.current.number : "—";
  $("#ticket-status").textContent = k.current ? t("status_" + k.current.status) : t("idle");
  const mine = k.current && booked.get(k.current.number);
  $("#ticket-booking").textContent = mine ? `${t("booking")}: ${mine.name} · ${mine.time}` : "";
  enableActions(k);
  renderOverTarget(k);
  renderWaiting(k, booked);
  renderAwaiting();
}

// Only what the counter's state allows is pressable (a disabled button also
// ignores its shortcut): recall, start and no-show need a called ticket,
// complete and transfer one called or being served; pause or resume, not both.
function enableActions(k) {
  const status = k.current ? k.current.status : null;
  const allowed = {
    "call-next": true,
    recall: status === "called",
    start: status === "called",
    complete: status === "called" || status === "serving",
    "no-show": status === "called",
    pause: k.state === "open",
    resume: k.state !== "open",
  };
  document.querySelectorAll("#actions button").forEach((b) => { b.disabled = !allowed[b.dataset.action]; });
  $("#transfer button[type=submit]").disabled = !k.current;
}

const cell = (text) => { const td = document.createElement("td"); td.textContent = text; return td; };

// One table per service this counter serves (in its order), then tickets
// transferred to this counter from a service it does not serve.
function renderWaiting(k, booked) {
  const classes = new Map((st.snap.centre.priority_classes || []).map((p) => [p.code, st.lang === "vi" ? p.name : p.name_en]));
  const services = new Map(st.snap.services.map((s) => [s.code, s]));
  const groups = new Map(k.serves.map((code) => [code, []]));
  for (const w of st.snap.waiting) {
    if (w.target_counter && w.target_counter !== k.number) continue;
    const key = k.serves.includes(w.service) ? w.service : w.target_counter === k.number ? "→" : null;
    if (!key) continue;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(w);
  }
  const tables = [...groups].map(([code, list]) => {
    const s = services.get(code);
    const title = code === "→" ? t("toCounter2") : `${code} · ${s ? (st.lang === "vi" ? s.name : s.name_en) : ""}`;
    const table = document.createElement("table");
    table.className = "waiting";
    table.dataset.service = code;
    const over = overTarget(k).find((x) => x.service === code);
    const caption = table.createCaption();
    caption.textContent = `${title} (${list.length})`;
    if (over) {
      table.classList.add("over");
      const badge = document.createElement("span");
      badge.className = "over-badge";
      badge.textContent = `${t("overTarget")} · ${t("longest")} ${over.longest_wait_minutes} ${t("min")}`;
      caption.append(" ", badge);
    }
    const body = table.createTBody();
    if (list.length === 0) {
      const tr = body.insertRow();
      tr.append(cell(t("waitingNone")));
      tr.className = "empty";
    }
    for (const w of list) {
      const tr = body.insertRow();
      tr.dataset.number = w.number;
      if (w.priority) tr.className = "priority";
      const b = booked.get(w.number);
      const who = b ? `${b.name} · ${b.time}` : w.channel === "appointment" ? t("booking") : "";
      if (b || w.channel === "appointment") tr.classList.add("booked");
      tr.append(cell(w.number), cell(w.priority ? `★ ${classes.get(w.priority) || t("prio")}` : ""),
        cell(`${w.waited_minutes} ${t("min")}`), cell(who));
    }
    return table;
  });
  $("#waiting").replaceChildren(...tables);
}

function renderAwaiting() {
  const rows = st.snap.awaiting_check_in.map((b) => {
    const tr = document.createElement("tr");
    tr.dataset.code = b.code;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = t("checkIn");
    button.onclick = () => checkIn(b.code);
    const td = document.createElement("td");
    td.append(button);
    tr.append(cell(b.time), cell(b.service), cell(b.name), cell(b.code), td);
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = cell(t("noBookings"));
    td.colSpan = 5;
    tr.append(td);
    rows.push(tr);
  }
  $("#awaiting").replaceChildren(...rows);
}

// "07:00", or "07:00 27/11" when that is another day than today.
const fmtTime = (iso) => {
  const timeZone = (st.snap && st.snap.centre.timezone) || "Asia/Ho_Chi_Minh";
  const day = (d) => new Intl.DateTimeFormat("en-GB", { timeZone, day: "2-digit", month: "2-digit" }).format(d);
  const at = new Date(iso);
  const time = new Intl.DateTimeFormat("vi-VN", { timeZone, hour: "2-digit", minute: "2-digit", hour12: false }).format(at);
  return day(at) === day(new Date()) ? time : `${time} ${day(at)}`;
};

// Checks a booking in by what was typed or scanned: a CCCD QR goes as it is,
// anything else is read as a booking code (the booking QR carries just that).
async function checkIn(raw) {
  const c = classify(raw);
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/check-in`, { scan: c.kind === "cccd" ? c.scan : c.code });
    say(`${t("checkedIn")}: ${r.data.appointment.name} · ${t("ticketNo")} ${r.data.ticket.number}`);
  } catch (e) {
    const d = e.data || {};
    if (d.code === "too_early") say(`${t("tooEarly")} ${fmtTime(d.come_back_at)}`, true);
    else if (d.code === "too_late") {
      say(t("tooLate"), true);
      if (d.walk_in) $("#issue [name=service]").value = d.walk_in.service;
    } else say(e.message, true);
  }
  await refresh().catch(() => {});
}

async function act(action, body = {}) {
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/counters/${st.counter}/${action}`, body);
    if (action === "call-next") say(r.status === 204 ? t("nobody") : `${t("called")} ${r.data.number}`);
    else say(r.data && r.data.number ? `${t(action)} · ${r.data.number}` : t("done"));
    await refresh();
  } catch (e) { say(e.message, true); await refresh().catch(() => {}); }
}

// Any event or snapshot of the centre may change what this console shows.
function follow() {
  if (st.stream) return;
  let timer = null;
  const changed = () => { clearTimeout(timer); timer = setTimeout(() => refresh().catch(() => {}), 150); };
  st.stream = new EventStream({ centre: st.centre, onSnapshot: changed, onEvent: changed });
  st.stream.start();
  setInterval(() => refresh().catch(() => {}), 10000);
}

$("#login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  let data;
  try {
    data = await request("POST", "/api/v1/auth/login", { body: { username: f.get("username"), password: f.get("password") } });
  } catch (err) {
    return say(i18n.errorText(err), true);
  }
  say("");
  e.target.reset();
  await signedIn(data.staff);
});

$("#logout").onclick = async () => {
  await request("POST", "/api/v1/auth/logout").catch(() => {});
  sessionStorage.removeItem("luot.counter");
  location.reload();
};

$("#lang").onclick = () => {
  i18n.toggle();
  translate();
  if (st.snap && st.counter) { fillForms(); render(); renderFigures(); }
};

document.querySelectorAll("#actions button").forEach((b) => { b.onclick = () => press(b.dataset.action); });

// "Gọi tiếp" while the called citizen has not started: one tap says whether
// they were served or never came (a no-show, never counted as served).
function press(action) {
  const k = st.snap && st.snap.counters.find((x) => x.number === st.counter);
  if (action !== "call-next" || !k || !k.current || k.current.status !== "called") {
    $("#previous").hidden = true;
    return act(action);
  }
  $("#previous-q").textContent = i18n.t("previousQ", { number: k.current.number });
  $("#previous").hidden = false;
  $("#previous [data-previous=no_show]").focus();
}

document.querySelectorAll("#previous button").forEach((b) => {
  b.onclick = () => {
    $("#previous").hidden = true;
    if (b.dataset.previous) act("call-next", { previous: b.dataset.previous });
  };
});

$("#transfer").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const body = { note: f.get("note") || null };
  if (f.get("service")) body.service = f.get("service");
  if (f.get("counter")) body.counter = Number(f.get("counter"));
  act("transfer", body);
});

$("#checkin").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.elements.scan;
  const raw = input.value;
  input.value = "";
  if (raw.trim()) checkIn(raw);
});

// Dossier codes (mã hồ sơ) go to the ticket being served, or the one just
// finished; the server checks their shape against the centre's pattern.
async function attachDossier(raw) {
  const code = raw.trim();
  if (!code) return;
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/counters/${st.counter}/dossiers`, { code });
    $("#dossiers").textContent = `${r.data.number}: ${r.data.dossiers.join(", ")}`;
    say(`${t("attached")} ${r.data.number}`);
  } catch (err) { say(err.message, true); }
}

$("#dossier").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = e.target.elements.code;
  const raw = input.value;
  input.value = "";
  attachDossier(raw);
});

// A scan with nothing focused: a CCCD QR, a booking QR (a link) or a booking
// code is a check-in; anything else is a dossier receipt.
function isCheckInScan(keys) {
  if (keys.includes("|") || keys.includes("/") || keys.includes("=")) return true;
  return /^[A-HJ-NP-Z2-9]{6}$/i.test(keys.replace(/[\s-]/g, ""));
}

$("#issue").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const r = await api("POST", `/api/v1/centres/${st.centre}/tickets`, { service: f.get("service"), priority: f.get("priority") || null });
    say(`${t("issued")} ${r.data.number}`);
    await refresh();
  } catch (err) { say(err.message, true); }
});

function shortcut(key) {
  const b = document.querySelector(`#actions button[data-key="${key}"]`);
  if (b) b.click();
  else if (key === "t") $("#transfer [name=service]").focus();
  else if (key === "i") $("#issue [name=service]").focus();
  else if (key === "h") $("#checkin [name=scan]").focus();
  else if (key === "m") $("#dossier [name=code]").focus();
}

// Keyboard shortcuts. A keyboard-wedge scanner "types" a whole booking code or
// CCCD QR within milliseconds, and its letters must not fire shortcuts (C would
// complete, N call next) when nothing is focused: each key waits SCAN_GAP_MS; a
// lone key is a shortcut, a burst of 6 or more is a scan and is checked in.
const SCAN_GAP_MS = 60;
let burst = "";
let burstTimer = null;

function endBurst() {
  clearTimeout(burstTimer);
  const keys = burst;
  burst = "";
  if (keys.length === 1) shortcut(keys.toLowerCase());
  else if (keys.length >= 6) (isCheckInScan(keys) ? checkIn : attachDossier)(keys);
}

document.addEventListener("keydown", (e) => {
  if ($("#desk").hidden || e.ctrlKey || e.metaKey || e.altKey) return;
  if (["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
  if (e.key === "Enter" && burst) { e.preventDefault(); endBurst(); return; }
  // A space outside a burst still presses the focused button.
  if (e.key.length !== 1 || (e.key === " " && !burst)) return;
  e.preventDefault();
  burst += e.key;
  clearTimeout(burstTimer);
  burstTimer = setTimeout(endBurst, SCAN_GAP_MS);
});

start();
