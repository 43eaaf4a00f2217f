// Devices (kiosks, displays, rating tablets): what GET /api/v1/devices returns,
// with last contact; for each kiosk its print agent's connection and printer
// state in plain words (GET /api/v1/kiosks), refreshed every few seconds while
// the page is open, and its recent tickets not confirmed printed with why and a
// reprint button (POST /api/v1/kiosks/{id}/jobs/{job}/reprint, audited).
// Register a device (its token is shown once), revoke one.

import { api, CENTRE } from '../api.js';
import { lang, t } from '../i18n.js';
import { errorLine, field, h, submit } from '../forms.js';

/** How often kiosk health is read again while the section is shown. */
const REFRESH_MS = 5000;

const locale = () => (lang === 'en' ? 'en-GB' : 'vi-VN');

/** The later of two RFC 3339 instants (either may be missing). */
const latest = (a, b) => (!a ? b : !b ? a : (Date.parse(a) > Date.parse(b) ? a : b));

/**
 * A kiosk's printer in words: {text, tone} where tone is ok, warn or bad.
 * The agent (`luot-kiosk`) not connected trumps the printer's last report.
 */
export function kioskStatus(k) {
  const h = k?.health;
  if (!h) return { text: t('agentNever'), tone: 'warn', code: 'never' };
  if (!h.connected) return { text: t('agentLost'), tone: 'bad', code: 'disconnected' };
  const tone = { ok: 'ok', paper_low: 'warn', unknown: 'warn' }[h.printer] ?? 'bad';
  const words = t('printerStates')[h.printer] ?? h.printer;
  return { text: words, tone, code: h.printer };
}

/** Jobs already sent again from this page, so a refresh does not offer them twice. */
const reprinted = new Set();

/** A kiosk's tickets not confirmed printed: number, outcome and why, and a reprint button. */
function unconfirmedList(kiosk) {
  const jobs = kiosk?.unconfirmed_jobs ?? [];
  if (!jobs.length) return '';
  const item = (j) => {
    const words = t('printOutcomes')[j.outcome] ?? j.outcome;
    const why = j.reason ? ` (${j.reason})` : '';
    const button = reprinted.has(j.job_id) ? h('small', { class: 'muted' }, t('reprinted')) : h('button', {
      type: 'button', class: 'small', 'data-reprint': j.job_id,
      onclick: async (ev) => {
        const b = ev.currentTarget;
        b.disabled = true;
        try {
          await api('POST', `/api/v1/kiosks/${kiosk.device.id}/jobs/${j.job_id}/reprint`);
          reprinted.add(j.job_id);
          b.replaceWith(h('small', { class: 'muted' }, t('reprinted')));
        } catch (e) {
          b.disabled = false;
          b.title = e.text ? e.text(lang) : String(e);
        }
      },
    }, t('reprint'));
    return h('li', { 'data-job': j.job_id, 'data-outcome': j.outcome }, `${j.ticket_number} · ${words}${why} `, button);
  };
  return h('div', { class: 'unconfirmed' }, h('small', {}, t('unconfirmed')), h('ul', {}, jobs.map(item)));
}

function printerCell(kiosk) {
  const s = kioskStatus(kiosk);
  const pending = kiosk?.pending_jobs
    ? h('small', { class: 'muted' }, ` · ${t('pendingJobs').replace('{n}', kiosk.pending_jobs)}`) : '';
  return [h('span', { class: `pill ${s.tone}`, 'data-printer': s.code, title: kiosk?.health?.last_error ?? '' }, s.text), pending,
    unconfirmedList(kiosk)];
}

export async function render(main, { config, reload }) {
  // Times as the centre's clock shows them, whatever the admin PC's zone.
  const timeZone = config.centre.timezone;
  const when = (ts) => (ts ? new Date(ts).toLocaleString(locale(), { timeZone }) : t('never'));
  const err = errorLine();
  const [all, kiosks] = await Promise.all([api('GET', '/api/v1/devices'), api('GET', '/api/v1/kiosks')]);
  const devices = all.filter((d) => !d.centre || d.centre === CENTRE);
  const byId = new Map(kiosks.map((k) => [k.device.id, k]));
  const cells = new Map(); // device id -> {seen, printer} cells updated by the refresh
  const kind = field('kind', h('select', { name: 'kind' }, ['kiosk', 'display', 'rating'].map((k) => h('option', { value: k }, t(k)))));
  const name = field('name', h('input', { name: 'name', required: true }));
  // A rating tablet is bound to one counter: it rates there only.
  const counter = field('counter', h('select', { name: 'counter' },
    config.counters.map((k) => h('option', { value: k.number }, `${k.number} · ${k.name}`))));
  const showCounter = () => { counter.hidden = kind.input.value !== 'rating'; };
  kind.input.addEventListener('change', showCounter);
  showCounter();
  const shown = h('div');
  const updated = h('p', { class: 'muted', id: 'health-updated' });
  const row = (d) => {
    const k = byId.get(d.id);
    const seen = h('td', {}, when(latest(d.last_seen, k?.health?.last_seen)));
    const printer = h('td', {}, d.kind === 'kiosk' && !d.revoked ? printerCell(k) : '');
    if (d.kind === 'kiosk') cells.set(d.id, { device: d, seen, printer });
    return h('tr', { 'data-device': d.id, 'data-kind': d.kind },
      h('td', {}, d.counter ? `${t(d.kind)} · ${t('counter')} ${d.counter}` : t(d.kind)), h('td', {}, d.name), seen, printer,
      h('td', {}, d.revoked ? h('span', { class: 'pill off' }, t('revoked')) : h('span', { class: 'pill on' }, t('open'))),
      h('td', {}, !d.revoked && h('button', {
        type: 'button', class: 'small danger',
        onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `/api/v1/devices/${d.id}`)) !== undefined) reload(); },
      }, t('revoke'))));
  };
  const table = h('table', { id: 'devices' },
    h('thead', {}, h('tr', {}, ['kind', 'name', 'lastContact', 'printer', 'state'].map((k) => h('th', {}, t(k))), h('th'))),
    h('tbody', {}, devices.map(row)));
  const form = h('form', { class: 'card', id: 'device-form' },
    h('h2', {}, t('navDevices')), table, updated,
    h('h3', {}, t('register')), h('div', { class: 'row' }, kind, counter, name), err, shown,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('register'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const body = { kind: kind.input.value, name: name.input.value, centre: CENTRE };
    if (body.kind === 'rating') body.counter = Number(counter.input.value);
    const r = await submit(err, () => api('POST', '/api/v1/devices', body));
    if (!r) return;
    // The server's QR (an SVG it drew) as a node: no markup is parsed into the page as HTML.
    const svg = new DOMParser().parseFromString(r.pairing_qr_svg, 'image/svg+xml').documentElement;
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', t('pairLink'));
    shown.replaceChildren(
      h('div', { class: 'pairing', id: 'pairing' }, h('p', {}, t('pairScan')), document.importNode(svg, true),
        h('p', {}, `${t('pairLink')}: `, h('a', { href: r.pairing_url, class: 'token', id: 'pairing-link' }, r.pairing_url))),
      h('p', {}, t('tokenOnce')), h('p', { class: 'token' }, r.token));
  };
  main.append(form);
  const stamp = () => { updated.textContent = `${t('healthUpdated')} ${new Date().toLocaleTimeString(locale(), { timeZone })}`; };
  stamp();

  // Only the kiosk cells change, so a half-typed registration survives.
  const refresh = async () => {
    if (!table.isConnected) { clearInterval(timer); document.removeEventListener('visibilitychange', onShow); return; }
    if (document.hidden) return;
    try {
      const now = await api('GET', '/api/v1/kiosks');
      for (const k of now) {
        const c = cells.get(k.device.id);
        if (!c || c.device.revoked) continue;
        c.seen.replaceChildren(when(latest(k.device.last_seen, k.health?.last_seen)));
        c.printer.replaceChildren(...printerCell(k));
      }
      stamp();
    } catch {
      updated.textContent = t('healthStale');
    }
  };
  const timer = setInterval(refresh, REFRESH_MS);
  const onShow = () => { if (!document.hidden) refresh(); };
  document.addEventListener('visibilitychange', onShow);
}
