// The screen above one counter (/display/counter/N): that counter's current
// number, very large, flashing when called. Silent: the room's board announces.
// URL options: ?centre=mo-cay (default: the first centre), ?lang=en.
// Tests read window.luotDisplay (state, status).

import { strings } from './i18n.js';
import { apply, fromSnapshot } from './state.js';
import { EventStream } from '/shared/stream.js';

const params = new URLSearchParams(location.search);
const lang = params.get('lang') === 'en' ? 'en' : 'vi';
const t = strings(lang);
const number = Number(location.pathname.split('/').filter(Boolean).pop());
const $ = (id) => document.getElementById(id);
const screen = { state: null, status: 'connecting' };
let stream = null;
window.luotDisplay = {
  get state() { return screen.state; },
  get status() { return screen.status; },
  get counter() { return screen.state?.counters.find((c) => c.number === number) ?? null; },
};

document.documentElement.lang = lang;
$('title').textContent = t.counter_title(number);
$('label').textContent = t.counter_waiting;

function render() {
  const k = window.luotDisplay.counter;
  $('number').textContent = k?.current?.number ?? '—';
  const off = k && k.state !== 'open';
  $('state').hidden = !off;
  $('state').textContent = off ? t[k.state] ?? k.state : '';
}

function flash() {
  const p = $('panel');
  p.classList.remove('flash');
  void p.offsetWidth;
  p.classList.add('flash');
}

async function centreCode() {
  const given = params.get('centre');
  if (given) return given;
  for (;;) {
    try {
      const list = await (await fetch('/api/v1/centres')).json();
      if (list.length > 0) return list[0].code;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function main() {
  stream = new EventStream({
    centre: await centreCode(),
    onSnapshot: (snap) => {
      screen.state = fromSnapshot(snap);
      render();
    },
    onEvent: (e) => {
      if (!screen.state) return;
      const r = apply(screen.state, e);
      render();
      if (r.resync) stream.resync();
      if (r.call && r.call.counter === number) flash();
    },
    onStatus: (status) => {
      screen.status = status;
      $('conn').hidden = status === 'open';
      $('conn').textContent = status === 'lost' ? t.lost : t.connecting;
    },
  });
  stream.start();
}

main();
