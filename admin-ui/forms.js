// Small DOM helpers shared by the sections: element building, labelled
// fields, the opening-hours editor, and showing API errors next to a form.

import { errorText, t } from './i18n.js';

/** `h('button', {class: 'primary', onclick}, 'Lưu')`. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A labelled input; returns the label (the input is `label.input`). */
export function field(key, input) {
  const label = h('label', {}, h('span', {}, t(key)), input);
  label.input = input;
  return label;
}

export function check(key, checked, attrs = {}) {
  const input = h('input', { type: 'checkbox', checked, ...attrs });
  const label = h('label', { class: 'inline' }, input, t(key));
  label.input = input;
  return label;
}

/** A form error line; `show(e)` puts the API's message in the current language. */
export function errorLine() {
  const p = h('p', { class: 'error', role: 'alert' });
  p.show = (e) => { p.textContent = e ? errorText(e) : ''; p.dataset.code = e?.code ?? ''; };
  return p;
}

let toastTimer;
export function toast(text) {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 2500);
}

/** Runs `action` (async), showing its failure in `err` and `saved` on success. */
export async function submit(err, action) {
  err.show(null);
  try {
    const out = await action();
    toast(t('saved'));
    return out;
  } catch (e) {
    err.show(e);
    return undefined;
  }
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Editor for {sessions: [["07:00","11:30"],...], working_days: [...]}. */
export function hoursEditor(hours) {
  const value = structuredClone(hours ?? { sessions: [['07:00', '11:30'], ['13:30', '17:00']], working_days: DAYS.slice(0, 5) });
  const sessions = h('div', { class: 'sessions' });
  const renderSessions = () => {
    sessions.replaceChildren(...value.sessions.map((s, i) => h('div', {},
      `${t('session')} ${i + 1}:`,
      h('input', { type: 'time', value: s[0], 'data-session': `${i}-start`, 'aria-label': `${t('session')} ${i + 1} ${t('sessionStart')}`, oninput: (e) => { s[0] = e.target.value; } }),
      '–',
      h('input', { type: 'time', value: s[1], 'data-session': `${i}-end`, 'aria-label': `${t('session')} ${i + 1} ${t('sessionEnd')}`, oninput: (e) => { s[1] = e.target.value; } }),
      h('button', { type: 'button', class: 'small danger', onclick: () => { value.sessions.splice(i, 1); renderSessions(); } }, '×'),
    )));
  };
  renderSessions();
  const days = h('div', {}, DAYS.map((d) => {
    const c = check('x', value.working_days.includes(d), { 'data-day': d });
    c.lastChild.textContent = t('days')[d];
    c.input.addEventListener('change', () => {
      value.working_days = DAYS.filter((x) => x === d ? c.input.checked : value.working_days.includes(x));
    });
    return c;
  }));
  const el = h('div', { class: 'hours' },
    sessions,
    h('button', { type: 'button', class: 'small', onclick: () => { value.sessions.push(['13:30', '17:00']); renderSessions(); } }, t('addSession')),
    h('h3', {}, t('workingDays')), days);
  // Times from <input type=time> may carry seconds; the API takes HH:MM.
  el.value = () => ({ ...value, sessions: value.sessions.map(([a, b]) => [a.slice(0, 5), b.slice(0, 5)]) });
  return el;
}

export function hoursText(hours) {
  if (!hours) return t('centreHours');
  const days = hours.working_days.map((d) => t('days')[d]).join(', ');
  return `${hours.sessions.map(([a, b]) => `${a.slice(0, 5)}–${b.slice(0, 5)}`).join(', ')} (${days})`;
}

/** Moves item `i` of `list` by `delta` in place; returns whether it moved. */
export function move(list, i, delta) {
  const j = i + delta;
  if (j < 0 || j >= list.length) return false;
  [list[i], list[j]] = [list[j], list[i]];
  return true;
}
