// Counters (quầy): number, name, state, and the services each serves in order of
// preference (call-next looks at the first first); ↑/↓ reorder the list.

import { ADMIN, api } from '../api.js';
import { t } from '../i18n.js';
import { errorLine, field, h, move, submit } from '../forms.js';

function form(counter, isNew, { services, reload }) {
  const k = structuredClone(counter);
  const number = field('number', h('input', { name: 'number', type: 'number', min: 1, max: 999, value: k.number, readonly: !isNew }));
  const name = field('name', h('input', { name: 'name', value: k.name, required: true }));
  const state = field('state', h('select', { name: 'state' },
    ['open', 'paused', 'closed'].map((s) => h('option', { value: s, selected: k.state === s }, t(s)))));
  const serves = h('ol', { class: 'serves' });
  const label = (code) => {
    const s = services.find((x) => x.code === code);
    return s ? `${s.code} · ${s.name}` : code;
  };
  const add = h('select', { name: 'add_service' });
  const draw = () => {
    serves.replaceChildren(...k.serves.map((code, i) => h('li', { 'data-code': code },
      h('span', {}, label(code)),
      h('button', { type: 'button', class: 'small', title: t('up'), onclick: () => { if (move(k.serves, i, -1)) draw(); } }, '↑'),
      h('button', { type: 'button', class: 'small', title: t('down'), onclick: () => { if (move(k.serves, i, 1)) draw(); } }, '↓'),
      h('button', { type: 'button', class: 'small danger', title: t('remove'), onclick: () => { k.serves.splice(i, 1); draw(); } }, '×'))));
    add.replaceChildren(h('option', { value: '' }, t('addServes')),
      ...services.filter((s) => !k.serves.includes(s.code)).map((s) => h('option', { value: s.code }, label(s.code))));
  };
  add.onchange = () => { if (add.value) { k.serves.push(add.value); draw(); } };
  draw();
  const err = errorLine();
  const remove = !isNew && h('button', {
    type: 'button', class: 'danger',
    onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `${ADMIN}/counters/${k.number}`)) !== undefined) reload(); },
  }, t('remove'));
  const f = h('form', { class: 'card', 'data-counter': k.number || 'new' },
    h('h2', {}, isNew ? t('newCounter') : `${t('counter')} ${k.number}`),
    h('div', { class: 'row' }, number, name, state),
    h('h3', {}, t('serves')), serves, add, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: reload }, t('cancel')), remove));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    Object.assign(k, { number: Number(number.input.value), name: name.input.value, state: state.input.value });
    const ok = await submit(err, () => (isNew
      ? api('POST', `${ADMIN}/counters`, k)
      : api('PUT', `${ADMIN}/counters/${k.number}`, k)));
    if (ok) reload();
  };
  return f;
}

export async function render(main, { config, reload }) {
  const editor = h('div');
  const services = config.services.map((s) => ({ code: s.code, name: s.name }));
  const open = (k, isNew) => {
    editor.replaceChildren(form(k, isNew, { services, reload }));
    editor.scrollIntoView({ block: 'start' });
  };
  const next = Math.max(0, ...config.counters.map((k) => k.number)) + 1;
  main.append(h('div', { class: 'card' },
    h('h2', {}, t('navCounters')),
    h('table', { id: 'counters' },
      h('thead', {}, h('tr', {}, h('th', {}, t('number')), h('th', {}, t('name')), h('th', {}, t('state')), h('th', {}, t('serves')), h('th'))),
      h('tbody', {}, config.counters.map((k) => h('tr', { 'data-counter': k.number },
        h('td', {}, k.number), h('td', {}, k.name), h('td', {}, t(k.state)), h('td', {}, k.serves.join(' → ')),
        h('td', {}, h('button', { type: 'button', class: 'small', 'data-edit': k.number, onclick: () => open(k, false) }, t('edit'))))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => open({ number: next, name: `Quầy ${next}`, serves: [], state: 'open' }, true) }, t('newCounter')))),
  editor);
}
