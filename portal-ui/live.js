// Today at the centre, on the portal's first step: per service how many people
// wait and about how long a ticket taken now would wait, so a citizen can
// choose when to come. From the public GET /api/v1/centres/{centre}/stats/live
// (counts and minutes only, no personal data), fetched when the list shows and
// again at most every 60 s while it stays on screen and the tab is visible.
// The lines are updated in place, so a refresh moves neither focus nor scroll.
import { call } from '/shared/api.js';

const EVERY_MS = 60_000;

let latest = null;
let fetchedAt = 0;
let timer = null;

/** The live line of service `code` (empty until the figures arrive). */
export function liveLine(code, t) {
  const el = document.createElement('span');
  el.className = 'live';
  el.dataset.live = code;
  el.dataset.testid = `live-${code}`;
  fill(el, t);
  return el;
}

function fill(el, t) {
  const s = latest?.services.find((x) => x.service === el.dataset.live);
  el.textContent = !s ? '' : s.waiting === 0 ? t('live_none')
    : t('live_line', { n: s.waiting, min: s.eta_minutes });
}

/** Starts following the figures for `centre` (idempotent); `t` translates. */
export function followLive(centre, t) {
  const update = async () => {
    timer = null;
    const lines = document.querySelectorAll('[data-live]');
    if (lines.length === 0) return; // the list is gone; the next render starts again
    if (document.visibilityState === 'visible' && Date.now() - fetchedAt >= EVERY_MS) {
      fetchedAt = Date.now();
      const r = await call('GET', `/api/v1/centres/${encodeURIComponent(centre)}/stats/live`);
      if (r.ok) latest = r.body;
      document.querySelectorAll('[data-live]').forEach((el) => fill(el, t));
    }
    timer = setTimeout(update, Math.max(1000, fetchedAt + EVERY_MS - Date.now()));
  };
  if (!timer) timer = setTimeout(update, 0);
}
