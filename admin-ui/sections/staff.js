// Staff accounts and roles (GET/POST/PUT/DELETE /api/v1/admin/staff): name,
// role (admin or staff), the centre (a deployment-wide administrator may make
// an account for every centre), the counters a staff member may use (none
// ticked: every counter), active, and a new password when one is typed.
// Accounts are never removed, only deactivated: served tickets, ratings and
// the audit log keep their username.

import { api, CENTRE } from '../api.js';
import { t } from '../i18n.js';
import { check, errorLine, field, h, submit } from '../forms.js';

const STAFF = '/api/v1/admin/staff';

/** The account's counters as shown in the list. */
function countersText(a) {
  if (a.role === 'admin' || !a.counters) return t('allCounters');
  return a.counters.join(', ');
}

function form(acc, isNew, { config, me, reload }) {
  const a = structuredClone(acc);
  const own = !isNew && a.username === me.username;
  const username = field('username', h('input', {
    name: 'username', value: a.username, required: true, readonly: !isNew,
    autocomplete: 'off', pattern: '[a-z0-9][a-z0-9._\\-]{0,31}', title: t('usernameHint'),
  }));
  const name = field('displayName', h('input', { name: 'display_name', value: a.display_name, required: true, maxlength: 80 }));
  const role = field('role', h('select', { name: 'role', disabled: own },
    ['staff', 'admin'].map((r) => h('option', { value: r, selected: a.role === r }, t(r)))));
  // Only a deployment-wide administrator chooses between this centre and every centre.
  const scope = !me.centre && field('scope', h('select', { name: 'centre', disabled: own },
    h('option', { value: CENTRE, selected: a.centre === CENTRE }, config.centre.name),
    h('option', { value: '', selected: !isNew && !a.centre }, t('everyCentre'))));
  const boxes = config.counters.map((k) => check('x', (a.counters ?? []).includes(k.number), { 'data-counter': k.number }));
  boxes.forEach((b, i) => { b.lastChild.textContent = `${t('counter')} ${config.counters[i].number}`; });
  const counters = h('fieldset', { class: 'counters' }, h('legend', {}, t('counters')), boxes);
  const adminNote = h('p', { class: 'muted' }, t('adminCounters'));
  const showCounters = () => {
    const staffRole = role.input.value === 'staff';
    const oneCentre = !scope || scope.input.value !== '';
    counters.hidden = !(staffRole && oneCentre);
    adminNote.hidden = staffRole;
  };
  role.input.addEventListener('change', showCounters);
  scope?.input.addEventListener('change', showCounters);
  showCounters();
  const active = check('accountActive', a.active, { name: 'active', disabled: own });
  const password = field(isNew ? 'password' : 'newPassword', h('input', {
    name: 'password', type: 'password', autocomplete: 'new-password', required: isNew,
  }));
  password.append(h('small', { class: 'muted' }, t(isNew ? 'passwordHint' : own ? 'ownPasswordHint' : 'changePasswordHint')));
  const err = errorLine();
  const deactivate = !isNew && !own && a.active && h('button', {
    type: 'button', class: 'danger', 'data-action': 'deactivate',
    onclick: async () => {
      if (confirm(t('confirmDeactivate')) && await submit(err, () => api('DELETE', `${STAFF}/${a.username}`)) !== undefined) reload();
    },
  }, t('deactivate'));
  const f = h('form', { class: 'card', 'data-account': a.username || 'new' },
    h('h2', {}, isNew ? t('newAccount') : `${a.display_name} (${a.username})`),
    h('div', { class: 'row' }, username, name, role, scope, password),
    counters, adminNote, active, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: reload }, t('cancel')), deactivate));
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const centre = scope ? (scope.input.value || null) : (isNew ? CENTRE : a.centre);
    const list = boxes.filter((b) => b.input.checked).map((b) => Number(b.input.dataset.counter));
    const body = {
      username: username.input.value.trim(),
      display_name: name.input.value,
      role: role.input.value,
      centre,
      counters: role.input.value === 'staff' && centre && list.length ? list : null,
      active: active.input.checked,
    };
    if (password.input.value) body.password = password.input.value;
    const ok = await submit(err, () => (isNew ? api('POST', STAFF, body) : api('PUT', `${STAFF}/${a.username}`, body)));
    if (ok) reload();
  };
  return f;
}

export async function render(main, ctx) {
  const accounts = (await api('GET', STAFF)).filter((a) => !a.centre || a.centre === CENTRE);
  const editor = h('div');
  const open = (a, isNew) => {
    editor.replaceChildren(form(a, isNew, ctx));
    editor.querySelector('input:not([readonly])')?.focus();
    editor.scrollIntoView({ block: 'start' });
  };
  const me = ctx.me.username;
  main.append(h('div', { class: 'card' },
    h('h2', {}, t('navStaff')),
    h('p', { class: 'muted' }, t('staffHelp')),
    h('table', { id: 'accounts' },
      h('thead', {}, h('tr', {}, ['username', 'displayName', 'role', 'scope', 'allowedCounters', 'state'].map((k) => h('th', {}, t(k))), h('th'))),
      h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.username },
        h('td', {}, a.username, a.username === me ? ` ${t('you')}` : ''), h('td', {}, a.display_name), h('td', {}, t(a.role)),
        h('td', {}, a.centre ? a.centre : t('everyCentre')),
        h('td', {}, countersText(a)),
        h('td', {}, h('span', { class: a.active ? 'pill on' : 'pill off' }, a.active ? t('accountActive') : t('accountInactive'))),
        h('td', {}, h('button', { type: 'button', class: 'small', 'data-edit': a.username, onclick: () => open(a, false) }, t('edit'))))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'new-account', onclick: () => open({ username: '', display_name: '', role: 'staff', centre: CENTRE, counters: null, active: true }, true) }, t('newAccount')))),
  editor);
}
