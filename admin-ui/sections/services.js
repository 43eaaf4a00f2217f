// Services (lĩnh vực): the list in kiosk order (↑/↓ reorders), and a form per
// service: names, prefix, start number, daily cap, own or centre hours, mean
// service time, active, examples, what to bring. Prefix and start number are
// refused (numbering_in_use) once the service issued a ticket today.

import { ADMIN, api } from '../api.js';
import { t } from '../i18n.js';
import { check, errorLine, field, h, hoursEditor, hoursText, move, submit } from '../forms.js';

const BLANK = {
  code: '', prefix: '', name: '', name_en: '', start_number: 1, daily_cap: null, mean_service_minutes: 10,
  hours: null, active: true, examples: [], note: '', short_name: '', short_name_en: '', sort: null,
};

function form(svc, isNew, { reload, centreHours }) {
  const s = structuredClone(svc);
  const input = (key, name, value, attrs = {}) => field(key, h('input', { name, value, ...attrs }));
  const code = input('code', 'code', s.code, { required: true, maxlength: 8, readonly: !isNew });
  const prefix = input('prefix', 'prefix', s.prefix, { required: true, maxlength: 3 });
  const name = input('name', 'name', s.name, { required: true });
  const nameEn = input('nameEn', 'name_en', s.name_en, { required: true });
  const shortName = input('shortName', 'short_name', s.short_name ?? '', { maxlength: 40 });
  const shortNameEn = input('shortNameEn', 'short_name_en', s.short_name_en ?? '', { maxlength: 40 });
  const start = input('startNumber', 'start_number', s.start_number, { type: 'number', min: 1, max: 9999 });
  const cap = input('dailyCap', 'daily_cap', s.daily_cap ?? '', { type: 'number', min: 1, max: 9999 });
  const mean = input('meanMinutes', 'mean_service_minutes', s.mean_service_minutes, { type: 'number', min: 1, max: 480 });
  const active = check('active', s.active, { name: 'active' });
  const own = check('ownHours', !!s.hours, { name: 'own_hours' });
  const hours = hoursEditor(s.hours ?? centreHours);
  hours.hidden = !s.hours;
  own.input.onchange = () => { hours.hidden = !own.input.checked; };
  const examples = field('examples', h('textarea', { name: 'examples' }, s.examples.join('\n')));
  const note = field('note', h('textarea', { name: 'note' }, s.note));
  const err = errorLine();
  const remove = !isNew && h('button', {
    type: 'button', class: 'danger',
    onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `${ADMIN}/services/${s.code}`)) !== undefined) reload(); },
  }, t('remove'));
  const f = h('form', { class: 'card', 'data-service': s.code || 'new' },
    h('h2', {}, isNew ? t('newService') : `${s.code} · ${s.name}`),
    h('div', { class: 'row' }, code, prefix, name, nameEn, shortName, shortNameEn, start, cap, mean),
    h('p', { class: 'muted' }, t('numberingRule')),
    active, h('h3', {}, t('hours')), own, hours, examples, note, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: reload }, t('cancel')), remove));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    Object.assign(s, {
      code: code.input.value.trim(),
      prefix: prefix.input.value.trim(),
      name: name.input.value,
      name_en: nameEn.input.value,
      short_name: shortName.input.value.trim(),
      short_name_en: shortNameEn.input.value.trim(),
      start_number: Number(start.input.value),
      daily_cap: cap.input.value === '' ? null : Number(cap.input.value),
      mean_service_minutes: Number(mean.input.value),
      active: active.input.checked,
      hours: own.input.checked ? hours.value() : null,
      examples: examples.input.value.split('\n').map((x) => x.trim()).filter(Boolean),
      note: note.input.value,
    });
    const ok = await submit(err, () => (isNew
      ? api('POST', `${ADMIN}/services`, s)
      : api('PUT', `${ADMIN}/services/${s.code}`, s)));
    if (ok) reload();
  };
  return f;
}

export async function render(main, ctx) {
  const list = ctx.config.services;
  const centreHours = ctx.config.centre.hours;
  const err = errorLine();
  const editor = h('div');
  const open = (svc, isNew) => {
    editor.replaceChildren(form(svc, isNew, { reload: ctx.reload, centreHours }));
    editor.scrollIntoView({ block: 'start' });
  };
  // Reordering saves the new places of every service that moved.
  const reorder = async (i, delta) => {
    const order = list.slice();
    if (!move(order, i, delta)) return;
    await submit(err, async () => {
      for (const [k, s] of order.entries()) {
        if (s.sort !== k) await api('PUT', `${ADMIN}/services/${s.code}`, { ...s, sort: k });
      }
    });
    ctx.reload();
  };
  main.append(h('div', { class: 'card' },
    h('h2', {}, t('navServices')),
    h('table', { id: 'services' },
      h('thead', {}, h('tr', {}, h('th', {}, t('code')), h('th', {}, t('prefix')), h('th', {}, t('name')),
        h('th', {}, t('hours')), h('th', {}, t('state')), h('th'))),
      h('tbody', {}, list.map((s, i) => h('tr', { 'data-service': s.code },
        h('td', {}, s.code), h('td', {}, s.prefix), h('td', {}, s.name, h('br'), h('span', { class: 'muted' }, s.name_en)),
        h('td', {}, hoursText(s.hours)),
        h('td', {}, h('span', { class: s.active ? 'pill on' : 'pill off' }, s.active ? t('active') : t('inactive'))),
        h('td', {},
          h('button', { type: 'button', class: 'small', title: t('up'), onclick: () => reorder(i, -1) }, '↑'),
          h('button', { type: 'button', class: 'small', title: t('down'), onclick: () => reorder(i, 1) }, '↓'),
          h('button', { type: 'button', class: 'small', 'data-edit': s.code, onclick: () => open(s, false) }, t('edit'))))))),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => open(BLANK, true) }, t('newService')))),
  editor);
}
