// "Hôm nay": the centre today, live. Per service the number waiting, the
// longest wait so far, the share of today's calls within the service's
// target waiting time and of today's services within its target service time;
// the counters serving, paused and idle. A service whose
// longest wait is past its target is highlighted (and says so in words).
//
// The figures come from GET /api/v1/centres/{centre}/stats/live; the centre's
// event stream (shared-ui/stream.js) says when they change. Bounded: at most
// one fetch in flight and one every MIN_GAP_MS however busy the centre, plus
// one every TICK_MS so the longest wait grows while nothing happens. The
// stream and the timers stop when the administrator leaves the section.

import { request } from '/shared/api.js';
import { EventStream } from '/shared/stream.js';
import { CENTRE } from '../api.js';
import { errorText, lang, t } from '../i18n.js';
import { h } from '../forms.js';

const MIN_GAP_MS = 3000;
const TICK_MS = 30_000;

export async function render(main, ctx) {
  const timeZone = ctx?.config?.centre?.timezone || 'Asia/Ho_Chi_Minh';
  const status = h('p', { class: 'muted', id: 'today-status', role: 'status' });
  const counters = h('div', { class: 'tiles', id: 'today-counters' });
  // Focusable, so a keyboard can scroll it on a narrow screen.
  const services = h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('tServices') });
  const counterList = h('div', { id: 'today-counter-list' });
  main.append(h('div', { class: 'card wide' },
    h('h2', {}, t('navToday')), status, counters,
    h('h3', {}, t('tServices')), services,
    h('h3', {}, t('tCounters')), counterList));

  const fmtTime = (iso) => new Date(iso).toLocaleTimeString(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone });
  const show = (s) => {
    const count = (activity) => s.counters.filter((k) => k.activity === activity).length;
    counters.replaceChildren(...['serving', 'paused', 'idle', 'closed'].map((a) => h('div', { class: `tile ${a}`, 'data-activity': a },
      h('strong', {}, String(count(a))), h('span', {}, t('activity')[a]))));
    services.replaceChildren(h('table', { id: 'today-services' },
      h('thead', {}, h('tr', {}, ['rService', 'tWaiting', 'tLongest', 'tTarget', 'tWithin', 'tServiceWithin', 'rServed', 'rNoShow']
        .map((c, i) => h('th', { class: i > 0 ? 'num' : '' }, t(c))))),
      h('tbody', {}, s.services.map((x) => h('tr', { 'data-service': x.service, class: x.over_target ? 'over' : '' },
        h('td', {}, `${x.service} · ${lang === 'en' ? x.name_en || x.name : x.name}`,
          x.over_target ? h('span', { class: 'pill bad over-badge' }, t('tOver')) : null),
        h('td', { class: 'num waiting' }, String(x.waiting)),
        h('td', { class: 'num longest' }, String(x.longest_wait_minutes)),
        h('td', { class: 'num' }, x.target_wait_minutes ?? '–'),
        h('td', { class: 'num within' }, x.within_target_percent === null ? '–' : `${x.within_target_percent}%`),
        h('td', { class: 'num service-within' }, x.service_within_target_percent == null ? '–' : `${x.service_within_target_percent}%`),
        h('td', { class: 'num' }, String(x.served_today)),
        h('td', { class: 'num' }, String(x.no_shows_today)))))));
    counterList.replaceChildren(h('ul', { class: 'counter-list' }, s.counters.map((k) => h('li', { 'data-counter': k.counter },
      h('span', {}, k.name || `${t('counter')} ${k.counter}`),
      h('span', { class: `pill ${k.activity === 'serving' ? 'ok' : k.activity === 'paused' ? 'warn' : ''}` }, t('activity')[k.activity] ?? k.activity)))));
    status.textContent = `${t('tUpdated')} ${fmtTime(s.at)}`;
    main.dataset.fetched = String(Number(main.dataset.fetched ?? 0) + 1);
  };

  let inFlight = false;
  let last = 0;
  let timer = null;
  let stopped = false;
  const fetchNow = async () => {
    timer = null;
    if (inFlight || stopped) return;
    inFlight = true;
    last = Date.now();
    try {
      // no-store: the public answer may be cached for 5 s; the office wants it now.
      show(await request('GET', `/api/v1/centres/${CENTRE}/stats/live`, { cache: 'no-store' }));
    } catch (e) {
      status.textContent = errorText(e);
    } finally {
      inFlight = false;
    }
  };
  /** Fetches soon: at once if the last fetch is old enough, else when it is. */
  const refresh = () => {
    if (timer || stopped) return;
    timer = setTimeout(fetchNow, Math.max(0, last + MIN_GAP_MS - Date.now()));
  };
  await fetchNow();
  const stream = new EventStream({ centre: CENTRE, onSnapshot: refresh, onEvent: refresh });
  stream.start();
  const tick = setInterval(refresh, TICK_MS);
  return () => {
    stopped = true;
    stream.stop();
    clearInterval(tick);
    clearTimeout(timer);
  };
}
