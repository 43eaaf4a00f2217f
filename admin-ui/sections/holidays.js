// Holidays: dates the centre is closed (bookings are not offered on them).

import { ADMIN, api } from '../api.js';
import { t } from '../i18n.js';
import { errorLine, field, h, submit } from '../forms.js';

export async function render(main, { config, reload }) {
  const err = errorLine();
  const date = field('date', h('input', { type: 'date', name: 'date', required: true }));
  const name = field('holidayName', h('input', { name: 'name', required: true }));
  const form = h('form', { class: 'card', id: 'holiday-form' },
    h('h2', {}, t('navHolidays')),
    h('table', {},
      h('thead', {}, h('tr', {}, h('th', {}, t('date')), h('th', {}, t('holidayName')), h('th'))),
      h('tbody', {}, config.holidays.map((d) => h('tr', {},
        h('td', {}, d.date), h('td', {}, d.name),
        h('td', {}, h('button', {
          type: 'button', class: 'small danger',
          onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `${ADMIN}/holidays/${d.date}`))) reload(); },
        }, t('remove'))))))),
    h('h3', {}, t('addHoliday')),
    h('div', { class: 'row' }, date, name),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('add'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const ok = await submit(err, () => api('PUT', `${ADMIN}/holidays/${date.input.value}`, { name: name.input.value }));
    if (ok) reload();
  };
  main.append(form);
}
