// The admin page: sign in (the staff login API, session cookie + CSRF), then one
// section at a time. Every section reads the centre's configuration from
// GET /api/v1/admin/centres/{centre} and saves through the admin API; the
// server announces each change to displays and kiosks.

import { ADMIN, api, CENTRE } from './api.js';
import { errorText, lang, setLang, t, translate } from './i18n.js';
import * as booking from './sections/booking.js';
import * as counters from './sections/counters.js';
import * as devices from './sections/devices.js';
import * as holidays from './sections/holidays.js';
import * as priority from './sections/priority.js';
import * as reports from './sections/reports.js';
import * as services from './sections/services.js';
import * as settings from './sections/settings.js';
import * as staff from './sections/staff.js';
import * as ticket from './sections/ticket.js';
import * as today from './sections/today.js';
import * as webhooks from './sections/webhooks.js';

const SECTIONS = { today, settings, services, counters, staff, devices, priority, booking, holidays, ticket, webhooks, reports };
const $ = (s) => document.querySelector(s);

const state = { me: null, config: null, section: location.hash.slice(1) || 'today', stop: null, shown: 0 };
window.luotAdmin = state; // for tests and the curious

async function loadConfig() {
  state.config = await api('GET', ADMIN);
  $('#centre-name').textContent = lang === 'en' ? state.config.centre.name_en : state.config.centre.name;
}

async function show(name) {
  if (!SECTIONS[name]) name = 'today';
  // A live section (today) stops its stream and timers when left.
  state.stop?.();
  state.stop = null;
  const shown = ++state.shown;
  state.section = name;
  history.replaceState(null, '', `${location.pathname}${location.search}#${name}`);
  for (const b of document.querySelectorAll('#nav button')) b.classList.toggle('active', b.dataset.section === name);
  const main = $('#main');
  main.replaceChildren();
  try {
    await loadConfig();
    const stop = await SECTIONS[name].render(main, {
      config: state.config,
      centre: CENTRE,
      me: state.me,
      reload: () => show(name),
    });
    if (typeof stop === 'function') {
      if (state.shown === shown) state.stop = stop;
      else stop(); // left (or shown again) while it was loading
    }
    main.dataset.ready = name;
  } catch (e) {
    main.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: errorText(e) }));
    if (e.status === 401) signedOut();
  }
}

function signedOut() {
  state.stop?.();
  state.stop = null;
  state.me = null;
  $('#app').hidden = true;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  $('#login').hidden = false;
}

async function signedIn(me) {
  state.me = me;
  $('#login').hidden = true;
  $('#logout').hidden = false;
  $('#who').textContent = me.display_name || me.username;
  if (me.role !== 'admin') {
    $('#login').hidden = false;
    $('#login .error').textContent = t('notAdmin');
    return;
  }
  $('#app').hidden = false;
  await show(state.section);
}

async function start() {
  setLang(lang);
  translate();
  $('#lang').textContent = lang === 'en' ? 'Tiếng Việt' : 'English';
  $('#lang').onclick = () => {
    setLang(lang === 'en' ? 'vi' : 'en');
    $('#lang').textContent = lang === 'en' ? 'Tiếng Việt' : 'English';
    translate();
    if (state.me?.role === 'admin') show(state.section);
  };
  for (const b of document.querySelectorAll('#nav button')) b.onclick = () => show(b.dataset.section);
  $('#login-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const err = f.querySelector('.error');
    err.textContent = '';
    try {
      const r = await api('POST', '/api/v1/auth/login', { username: f.username.value, password: f.password.value });
      f.password.value = '';
      await signedIn(r.staff);
    } catch (e) {
      err.textContent = errorText(e);
    }
  };
  $('#logout').onclick = async () => {
    try { await api('POST', '/api/v1/auth/logout', {}); } catch { /* gone already */ }
    signedOut();
  };
  try {
    const me = await api('GET', '/api/v1/auth/me');
    if (me?.type === 'staff') await signedIn(me);
    else if (me?.username) await signedIn(me);
    else signedOut();
  } catch {
    signedOut();
  }
}

start();
