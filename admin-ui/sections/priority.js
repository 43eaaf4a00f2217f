// Priority classes (người cao tuổi, người khuyết tật, ...): code, names in both
// languages, order. Part of the centre's settings document.

import { t } from '../i18n.js';
import { errorLine, h, move, submit } from '../forms.js';
import { saveCentre } from './settings.js';

export async function render(main, { config, reload }) {
  const c = structuredClone(config.centre);
  const list = c.priority_classes;
  const err = errorLine();
  const body = h('tbody');
  const draw = () => body.replaceChildren(...list.map((p, i) => h('tr', {},
    h('td', {}, h('input', { value: p.code, 'aria-label': t('priorityCode'), oninput: (e) => { p.code = e.target.value.trim(); } })),
    h('td', {}, h('input', { value: p.name, 'aria-label': t('name'), oninput: (e) => { p.name = e.target.value; } })),
    h('td', {}, h('input', { value: p.name_en, 'aria-label': t('nameEn'), oninput: (e) => { p.name_en = e.target.value; } })),
    h('td', {},
      h('button', { type: 'button', class: 'small', title: t('up'), onclick: () => { if (move(list, i, -1)) draw(); } }, '↑'),
      h('button', { type: 'button', class: 'small', title: t('down'), onclick: () => { if (move(list, i, 1)) draw(); } }, '↓'),
      h('button', { type: 'button', class: 'small danger', title: t('remove'), onclick: () => { list.splice(i, 1); draw(); } }, '×')),
  )));
  draw();
  const form = h('form', { class: 'card' },
    h('h2', {}, t('navPriority')),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, t('priorityCode')), h('th', {}, t('name')), h('th', {}, t('nameEn')), h('th'))), body),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => { list.push({ code: '', name: '', name_en: '' }); draw(); } }, t('addClass'))),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    if (await submit(err, () => saveCentre(c))) reload();
  };
  main.append(form);
}
