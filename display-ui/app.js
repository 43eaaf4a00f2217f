// The waiting-room board (/display): the latest call very large, the counters
// with their current numbers, recent calls, waiting counts, the centre's name,
// the date and time, and the administrator's notice. Live calls flash, chime and
// are announced; what comes in a snapshot (first load, reconnect after a long
// outage, a lagging connection) is only shown, never announced.
//
// URL options: ?centre=mo-cay (default: the first centre), ?layout=portrait,
// ?lang=en, ?voice=clips|speech|off (clips by default; the choice is remembered
// on this TV), ?speed=N (clip playback speed, for tests).
// Tests read window.luotDisplay (queue of announcements, state, status).

import { Announcer } from './announce.js';
import { dateTime, strings, translate } from './i18n.js';
import { apply, fromSnapshot } from './state.js';
import { EventStream } from '/shared/stream.js';

const params = new URLSearchParams(location.search);
const lang = params.get('lang') === 'en' ? 'en' : 'vi';
const t = strings(lang);
/** A call that arrives later than this after it happened (a long outage) is shown, not announced. */
const FRESH_MS = 60_000;
/** Recent calls shown under the latest one (the last four calls in all at 8% of the height or more). */
const RECENT_SHOWN = 3;

const $ = (id) => document.getElementById(id);
const board = { state: null, offset: 0, status: 'connecting', day: null };
let stream = null;
/** The voice chosen on this TV: the bundled clips unless a browser voice was asked for. */
function chosenVoice() {
  const asked = params.get('voice');
  if (['clips', 'speech', 'off'].includes(asked)) localStorage.setItem('luot.display.voice', asked);
  const v = localStorage.getItem('luot.display.voice');
  return ['clips', 'speech', 'off'].includes(v) ? v : 'clips';
}
const announcer = new Announcer({
  voice: chosenVoice(),
  speed: Number(params.get('speed')) || 1,
  onMuted: (muted) => {
    $('sound').hidden = !muted;
  },
});

window.luotDisplay = {
  /** Announcements, oldest first: {text, spoken, recall, at, state, said}. */
  get queue() { return announcer.queue; },
  /** Clip files played, oldest first. */
  get played() { return announcer.played; },
  get voice() { return announcer.voice; },
  get state() { return board.state; },
  /** connecting, open or lost. */
  get status() { return board.status; },
  get lastId() { return stream?.lastId ?? null; },
  /** The connection (tests drop it to check the resume). */
  get stream() { return stream; },
};

document.documentElement.lang = lang;
if (params.get('layout') === 'portrait') document.body.classList.add('portrait');
translate(document, t);
$('sound').addEventListener('click', () => announcer.unlock());
document.addEventListener('keydown', () => announcer.unlock());
document.addEventListener('pointerdown', () => announcer.unlock());

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render() {
  const s = board.state;
  if (!s) return;
  $('centre-name').textContent = lang === 'en' ? s.centre.name_en || s.centre.name : s.centre.name;
  const latest = s.calls[0];
  $('now-number').textContent = latest ? latest.number : '—';
  $('now-counter').textContent = latest ? String(latest.counter) : '—';

  const rows = s.counters.map((k) => {
    const tr = el('tr', `state-${k.state}`);
    tr.dataset.counter = k.number;
    tr.append(el('td', 'k', String(k.number)));
    const cur = k.state === 'open' || k.current ? (k.current?.number ?? t.idle) : t[k.state] ?? k.state;
    const td = el('td', k.current?.status === 'called' ? 'cur called' : 'cur', cur);
    if (k.state !== 'open' && k.current) td.append(el('span', 'tag', t[k.state] ?? k.state));
    tr.append(td);
    return tr;
  });
  $('counters').tBodies[0].replaceChildren(...rows);
  document.body.style.setProperty('--rows', String(Math.max(1, s.counters.length)));
  document.body.style.setProperty('--services', String(Math.max(1, s.services.length)));

  $('recent').replaceChildren(...s.calls.slice(1, 1 + RECENT_SHOWN).map((c) => {
    const li = el('li');
    li.append(el('b', 'n', c.number), el('span', 'arrow', '→'), el('span', 'k', `${t.counter} ${c.counter}`));
    return li;
  }));

  $('waiting').replaceChildren(...s.services.map((svc) => {
    const li = el('li');
    li.append(
      el('span', 'prefix', svc.prefix),
      // The administrator's short display name when set, else the whole name (wrapped, never cut).
      el('span', 'name', lang === 'en' ? svc.short_name_en || svc.name_en || svc.name : svc.short_name || svc.name),
      el('b', 'count', t.waiting_n(svc.waiting)),
    );
    return li;
  }));

  const notice = s.notice.trim();
  $('notice-bar').hidden = notice === '';
  if ($('notice').textContent !== notice) {
    $('notice').textContent = notice;
    // Constant reading speed whatever the length: about 12 characters a second.
    $('notice').style.animationDuration = `${Math.max(12, (notice.length + 40) / 12)}s`;
    // Start with the text already coming in rather than an empty bar.
    $('notice').style.animationDelay = '-3s';
  }
}

/** Flashes the latest call and its counter's row: on and off every half second, four times. */
let flashTimer = null;
function flash(counter) {
  clearInterval(flashTimer);
  document.querySelectorAll('.flash-on').forEach((e) => e.classList.remove('flash-on'));
  let ticks = 0;
  const toggle = () => {
    // The row is looked up each time: a render replaces the table's rows.
    const targets = [$('now'), document.querySelector(`#counters tr[data-counter="${counter}"]`)];
    const on = ticks % 2 === 0 && ticks < 8;
    for (const e of targets) e?.classList.toggle('flash-on', on);
    ticks += 1;
    if (ticks > 8) clearInterval(flashTimer);
  };
  toggle();
  flashTimer = setInterval(toggle, 500);
}

function onSnapshot(snap) {
  board.state = fromSnapshot(snap);
  board.offset = Date.parse(snap.server_time) - Date.now();
  render();
  tick();
}

function onEvent(e) {
  if (!board.state) return;
  const r = apply(board.state, e);
  render();
  if (r.resync) stream.resync();
  if (!r.call) return;
  // A call missed during a long outage is shown in its place, not flashed or
  // announced as if it were happening now.
  const age = Date.now() + board.offset - Date.parse(e.at);
  if (age >= FRESH_MS) return;
  flash(r.call.counter);
  announcer.announce(board.state.centre.announcement_vi, r.call.number, r.call.counter, r.call.recall,
    Date.parse(e.at) - board.offset);
}

function onStatus(status) {
  board.status = status;
  document.body.dataset.status = status;
  const mark = $('conn');
  mark.hidden = status === 'open';
  mark.textContent = status === 'lost' ? t.lost : t.connecting;
}

function tick() {
  const tz = board.state?.centre.timezone || 'Asia/Ho_Chi_Minh';
  const now = dateTime(Date.now() + board.offset, tz, t);
  $('date').textContent = now.date;
  $('time').textContent = now.time;
  // A new service day: start from a fresh snapshot (counts and calls reset).
  if (board.day && board.day !== now.day && stream) stream.resync();
  if (board.state) board.day = now.day;
}

async function firstCentre() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const r = await fetch('/api/v1/centres');
      const list = await r.json();
      if (list.length > 0) return list[0].code;
    } catch {
      // The server is not up yet: keep trying.
    }
    onStatus('lost');
    await new Promise((res) => setTimeout(res, Math.min(15000, 1000 * 2 ** attempt)));
  }
}

async function main() {
  const centre = params.get('centre') || (await firstCentre());
  stream = new EventStream({ centre, onSnapshot, onEvent, onStatus });
  stream.start();
  setInterval(tick, 1000);
  tick();
}

main();
