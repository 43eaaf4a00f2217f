// Staff accounts and roles (GET/POST/PUT/DELETE /api/v1/admin/staff): name,
// role (admin or staff), the counters a staff member may use, active, and a new
// password when one is typed.

import { api, CENTRE } from '../api.js';
import { t } from '../i18n.js';
import { check, errorLine, field, h, submit } from '../forms.js';

const STAFF = '/api/v1/admin/staff';

function form(acc, isNew, reload) {
  const a = structuredClone(acc);
  const username = field('username', h('input', { name: 'username', value: a.username, required: true, readonly: !isNew }));
  const name = field('displayName', h('input', { name: 'display_name', value: a.display_name, required: true }));
  const role = field('role', h('select', { name: 'role' }, ['staff', 'admin'].map((r) => h('option', { value: r, selected: a.role === r }, t(r)))));
  const counters = field('counters', h('input', { name: 'counters', value: (a.counters ?? []).join(', '), placeholder: '1, 2' }));
  const active = check('active', a.active, { name: 'active' });
  const password = field(isNew ? 'password' : 'newPassword', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: isNew }));
  const err = errorLine();
  const f = h('form', { class: 'card', 'data-account': a.username || 'new' },
    h('h2', {}, isNew ? t('newAccount') : a.username),
    h('div', { class: 'row' }, username, name, role, counters, password), active, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: reload }, t('cancel')),
      !isNew && h('button', {
        type: 'button', class: 'danger',
        onclick: async () => { if (confirm(t('confirmRemove')) && await submit(err, () => api('DELETE', `${STAFF}/${a.username}`)) !== undefined) reload(); },
      }, t('remove'))));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const list = counters.input.value.split(/[\s,]+/).filter(Boolean).map(Number);
    const body = {
      username: username.input.value.trim(),
      display_name: name.input.value,
      role: role.input.value,
      centre: a.centre ?? CENTRE,
      counters: list.length ? list : null,
      active: active.input.checked,
    };
    if (password.input.value) body.password = password.input.value;
    const ok = await submit(err, () => (isNew ? api('POST', STAFF, body) : api('PUT', `${STAFF}/${a.username}`, body)));
    if (ok) reload();
  };
  return f;
}

export async function render(main, { reload }) {
  let accounts;
  try {
    accounts = await api('GET', STAFF);
  } catch (e) {
    if (e.status === 404 || e.status === 405) {
      main.append(h('p', { class: 'muted' }, t('accountsUnavailable')));
      return;
    }
    throw e;
  }
  const editor = h('div');
  const open = (a, isNew) => {
    editor.replaceChildren(form(a, isNew, reload));
    editor.scrollIntoView({ block: 'start' });
  };
  main.append(h('div', { class: 'card' },
    h('h2', {}, t('navStaff')),
    h('table', { id: 'accounts' },
      h('thead', {}, h('tr', {}, ['username', 'displayName', 'role', 'counters', 'state'].map((k) => h('th', {}, t(k))), h('th'))),
      h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.username },
        h('td', {}, a.username), h('td', {}, a.display_name), h('td', {}, t(a.role)),
        h('td', {}, (a.counters ?? []).join(', ')),
        h('td', {}, h('span', { class: a.active ? 'pill on' : 'pill off' }, a.active ? t('active') : t('inactive'))),
        h('td', {}, h('button', { type: 'button', class: 'small', onclick: () => open(a, false) }, t('edit'))))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => open({ username: '', display_name: '', role: 'staff', counters: null, active: true }, true) }, t('newAccount')))),
  editor);
}
