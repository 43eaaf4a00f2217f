// Devices (kiosks, displays, rating tablets): what GET /api/v1/devices returns,
// with last contact (and printer status where the kiosk reports one); register
// a device (its token is shown once) and revoke one.

import { api, CENTRE } from '../api.js';
import { lang, t } from '../i18n.js';
import { errorLine, field, h, submit } from '../forms.js';

const when = (ts) => (ts ? new Date(ts).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN') : t('never'));

function printer(d) {
  const p = d.printer ?? d.printer_status ?? d.health?.printer;
  if (!p) return '';
  return typeof p === 'string' ? p : (p.status ?? p.state ?? JSON.stringify(p));
}

export async function render(main, { reload }) {
  const err = errorLine();
  const devices = (await api('GET', '/api/v1/devices')).filter((d) => !d.centre || d.centre === CENTRE);
  const kind = field('kind', h('select', { name: 'kind' }, ['kiosk', 'display', 'rating'].map((k) => h('option', { value: k }, t(k)))));
  const name = field('name', h('input', { name: 'name', required: true }));
  const shown = h('div');
  const form = h('form', { class: 'card', id: 'device-form' },
    h('h2', {}, t('navDevices')),
    h('table', {},
      h('thead', {}, h('tr', {}, ['kind', 'name', 'lastSeen', 'printer', 'state'].map((k) => h('th', {}, t(k))), h('th'))),
      h('tbody', {}, devices.map((d) => h('tr', { 'data-device': d.id },
        h('td', {}, t(d.kind)), h('td', {}, d.name), h('td', {}, when(d.last_seen)), h('td', {}, printer(d)),
        h('td', {}, d.revoked ? h('span', { class: 'pill off' }, t('revoked')) : h('span', { class: 'pill on' }, t('open'))),
        h('td', {}, !d.revoked && h('button', {
          type: 'button', class: 'small danger',
          onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `/api/v1/devices/${d.id}`)) !== undefined) reload(); },
        }, t('revoke'))))))),
    h('h3', {}, t('register')), h('div', { class: 'row' }, kind, name), err, shown,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('register'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const r = await submit(err, () => api('POST', '/api/v1/devices', { kind: kind.input.value, name: name.input.value, centre: CENTRE }));
    if (r) shown.replaceChildren(h('p', {}, t('tokenOnce')), h('p', { class: 'token' }, r.token));
  };
  main.append(form);
}
