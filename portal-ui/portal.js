// The booking portal: service -> date -> slot (places left) -> name, phone,
// optional ID, consent (unticked, text shown) -> confirmation with code, QR,
// date, time, address, what to bring, calendar file and cancel link. Routes:
// `#/` books, `#/lookup` finds or cancels. The first step shows, per service,
// how many wait at the centre now and about how long (live.js).
import * as api from './api.js';
import { h, fmt, dateOpts, timeOpts } from './dom.js';
import { t, errorText, getLang, setLang } from './i18n.js';
import { facts } from './facts.js';
import { followLive, liveLine } from './live.js';
import { renderLookup } from './lookup.js';

const app = document.getElementById('app');
let info = null;
// The booking in progress: {service, date, slot, done, phone, error, nextSlots}.
let flow = {};

function local(iso, opts) { return fmt(iso, info.timezone, getLang(), opts); }
function svcName(s) { return getLang() === 'en' ? s.name_en : s.name; }

function steps(active) {
  const names = ['step_service', 'step_date', 'step_slot', 'step_details', 'step_done'];
  return h('ol', { class: 'steps' }, names.map((n, i) => h('li', { class: i === active ? 'on' : '' }, t(n))));
}

function back(to) {
  return h('button', { type: 'button', class: 'back', onclick: () => { Object.assign(flow, to); render(); } }, t('back'));
}

function chooseService() {
  followLive(api.CENTRE, t);
  return [steps(0), heading(t('choose_service')),
    h('p', { class: 'muted live-hint' }, t('live_hint')),
    h('div', { class: 'list' }, info.services.filter((s) => s.settings.enabled).map((s) =>
      h('button', { type: 'button', class: 'choice', testid: `service-${s.code}`,
        onclick: () => { flow = { service: s }; render(); } },
      svcName(s), h('small', {}, s.examples.slice(0, 3).join(' · ')), liveLine(s.code, t))))];
}

/** The documents to bring for a service, as the administrator set them (nothing when unset). */
function documents(s) {
  const text = getLang() === 'en' ? s.settings.bring_note_en || s.settings.bring_note : s.settings.bring_note;
  return text && h('p', { class: 'documents', testid: 'documents' }, h('strong', {}, `${t('bring')}: `), text);
}

/** The dates from today to the end of the service's horizon, in the centre's timezone. */
function horizonDates(s) {
  const start = new Date(`${info.today}T00:00:00Z`);
  return Array.from({ length: s.settings.horizon_days + 1 }, (_, i) =>
    new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10));
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a `YYYY-MM-DD` date. */
const isoWeekday = (d) => new Date(`${d}T12:00:00Z`).getUTCDay() || 7;

function chooseDate() {
  const holidays = new Set(info.holidays.map((x) => x.date));
  const works = (d) => !flow.service.working_days || flow.service.working_days.includes(isoWeekday(d));
  return [steps(1), back({ service: undefined }), heading(`${t('choose_date')} · ${svcName(flow.service)}`),
    h('div', { class: 'grid' }, horizonDates(flow.service).map((d) => {
      const label = fmt(`${d}T12:00:00Z`, 'UTC', getLang(), { weekday: 'short', day: 'numeric', month: 'numeric' });
      return h('button', { type: 'button', class: 'choice', testid: `date-${d}`, disabled: holidays.has(d) || !works(d),
        onclick: () => { flow.date = d; flow.day = null; render(); } }, label);
    }))];
}

function chooseSlot() {
  const out = [steps(2), back({ date: undefined }), heading(`${t('choose_slot')} · ${local(`${flow.date}T12:00:00Z`, dateOpts)}`)];
  if (!flow.day) {
    api.slots(flow.service.code, flow.date).then((r) => {
      flow.day = r.ok ? r.body : { slots: [], error: r.body };
      render();
    });
    return [...out, h('p', { class: 'muted' }, '…')];
  }
  if (flow.day.error) return [...out, h('p', { class: 'error' }, errorText(flow.day.error))];
  if (flow.day.closed) return [...out, h('p', { class: 'muted' }, t(`closed_${flow.day.closed}`))];
  if (!flow.day.slots.length) return [...out, h('p', { class: 'muted' }, t('no_slots_left'))];
  return [...out, h('div', { class: 'grid' }, flow.day.slots.map((s) =>
    h('button', { type: 'button', class: 'choice', testid: `slot-${s.time}`, disabled: s.remaining === 0,
      onclick: () => { flow.slot = s; flow.error = null; flow.fieldErrors = null; render(); } },
    s.time, h('small', {}, s.remaining ? t('places_left', { n: s.remaining }) : t('full')))))];
}

/** Client-side checks, the server's rules (crates/domain/src/booking.rs, cccd.rs): {field: message key}. */
export function check(form) {
  const errors = {};
  const name = form.name.trim().replace(/\s+/g, ' ');
  if (!name || name.length > 100) errors.name = 'err_name';
  const digits = form.phone.trim().replace(/^\+/, '').replace(/[\s.()-]/g, '');
  const national = /^84\d{9}$/.test(digits) ? `0${digits.slice(2)}` : digits;
  if (!/^0[35789]\d{8}$/.test(national) || /[^\d\s.()+-]/.test(form.phone)) errors.phone = form.phone.trim() ? 'err_phone' : 'err_phone_missing';
  const id = form.id.replace(/\s+/g, '');
  if (id && !/^(\d{12}|\d{9})$/.test(id)) errors.id_number = 'err_id';
  if (!form.consent) errors.consent = 'need_consent';
  return errors;
}

/** The form's fields by the server's `field` names. */
const FIELDS = { name: 'err_name', phone: 'err_phone', id_number: 'err_id', consent: 'need_consent' };

function details() {
  const f = flow.form ?? { name: '', phone: '', id: '', consent: false, reminders: false };
  const errs = flow.fieldErrors ?? {};
  const described = (field) => (errs[field] ? { 'aria-invalid': 'true', 'aria-describedby': `${field}-error` } : {});
  const fieldError = (field) => errs[field] && h('p', { class: 'field-error', id: `${field}-error`, testid: `error-${field}` }, t(errs[field]));
  const name = h('input', { type: 'text', id: 'name', autocomplete: 'name', maxlength: 100, testid: 'name', ...described('name') });
  const phone = h('input', { type: 'tel', id: 'phone', autocomplete: 'tel', inputmode: 'tel', testid: 'phone', ...described('phone') });
  const id = h('input', { type: 'text', id: 'id_number', inputmode: 'numeric', maxlength: 14, testid: 'id-number', ...described('id_number') });
  const consent = h('input', { type: 'checkbox', id: 'consent', testid: 'consent', ...described('consent') });
  // A second purpose, a second box: reminders are optional (Law 91/2025/QH15).
  const reminders = h('input', { type: 'checkbox', id: 'reminders', testid: 'reminders' });
  name.value = f.name;
  phone.value = f.phone;
  id.value = f.id;
  consent.checked = f.consent;
  reminders.checked = f.reminders;
  const submit = h('button', { type: 'submit', class: 'btn', testid: 'submit' }, t('submit'));
  const consentText = getLang() === 'en' ? info.consent.text_en : info.consent.text;
  const remindersText = getLang() === 'en' ? info.reminder_consent.text_en : info.reminder_consent.text;
  const form = h('form', { novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    // What was entered and ticked survives every answer, an error included.
    flow.form = { name: name.value, phone: phone.value, id: id.value, consent: consent.checked, reminders: reminders.checked };
    flow.error = null;
    flow.fieldErrors = check(flow.form);
    if (Object.keys(flow.fieldErrors).length) return render('invalid');
    submit.disabled = true;
    submit.textContent = t('sending');
    const r = await api.book({ service: flow.service.code, slot_start: flow.slot.start, name: name.value,
      phone: phone.value, id_number: id.value.trim() || null, consent: true, consent_version: info.consent.version,
      reminders: reminders.checked, reminders_consent_version: info.reminder_consent.version });
    if (r.ok) { flow.done = r.body; flow.phone = phone.value; flow.error = null; return render(); }
    const field = r.body?.code === 'consent_required' ? 'consent' : r.error?.field;
    if (FIELDS[field]) flow.fieldErrors = { [field]: FIELDS[field] };
    else flow.error = r.error;
    flow.nextSlots = r.body?.code === 'slot_full' ? r.body.next_slots : null;
    render('invalid');
  } },
  h('label', { for: 'name' }, t('name')), name, fieldError('name'),
  h('label', { for: 'phone' }, t('phone')), phone, fieldError('phone'),
  h('label', { for: 'id_number' }, t('id_number')), id, fieldError('id_number'), h('small', { class: 'muted' }, t('id_hint')),
  h('label', { class: 'consent', for: 'consent' }, consent,
    h('span', {}, h('strong', {}, t('consent_title')), h('br'), consentText)),
  fieldError('consent'),
  h('label', { class: 'consent', for: 'reminders' }, reminders,
    h('span', {}, h('strong', {}, t('reminders_title')), h('br'), remindersText)),
  h('div', { class: 'actions' }, submit));
  return [steps(3), back({ slot: undefined, error: null, fieldErrors: null }), heading(t('details')),
    h('p', {}, `${svcName(flow.service)} · ${local(flow.slot.start, dateOpts)} · ${flow.slot.time}`),
    documents(flow.service),
    flow.error && h('p', { class: 'error', role: 'alert', testid: 'error' }, errorText(flow.error)),
    flow.nextSlots && [h('p', {}, t('slot_full')), h('div', { class: 'grid' }, flow.nextSlots.map((s) =>
      h('button', { type: 'button', class: 'choice', onclick: () => {
        flow.slot = { start: s, time: local(s, timeOpts) }; flow.date = s.slice(0, 10); flow.nextSlots = null; flow.error = null; render();
      } }, `${local(s, { day: 'numeric', month: 'numeric' })} ${local(s, timeOpts)}`)))],
    form];
}

/** A step's heading: focused when the step opens, so a screen reader starts there. */
function heading(text, attrs = {}) {
  return h('h1', { tabindex: '-1', ...attrs }, text);
}

function done() {
  const a = flow.done;
  return [steps(4), heading(t('done_title'), { class: 'ok' }),
    h('div', { class: 'card center' },
      h('div', { class: 'muted' }, t('your_code')), h('div', { class: 'code', testid: 'code' }, a.code),
      h('img', { class: 'qr', src: api.qrUrl(a.code), alt: a.code, width: 200, height: 200, testid: 'qr' }),
      h('p', { class: 'muted' }, t('code_hint'))),
    h('div', { class: 'card' }, facts(a)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn', testid: 'calendar', onclick: () => api.downloadCalendar(a.code, flow.phone) }, t('add_calendar')),
      h('a', { class: 'btn secondary', href: `/#/lookup?code=${a.code}`, testid: 'cancel-link' }, t('cancel_link')),
      h('button', { type: 'button', class: 'btn secondary', onclick: () => { flow = {}; render(); } }, t('new_booking')))];
}

function bookingView() {
  if (flow.done) return done();
  if (!flow.service) return chooseService();
  if (!flow.date) return chooseDate();
  if (!flow.slot) return chooseSlot();
  return details();
}

/** Which step is on screen: a new one scrolls to its top and focuses its heading. */
let shownStep = null;

function stepOf(route) {
  if (route === 'lookup') return 'lookup';
  if (flow.done) return 'done';
  return !flow.service ? 'service' : !flow.date ? 'date' : !flow.slot ? 'slot' : 'details';
}

/** `why` = 'invalid': the same step again with errors; focus goes to the first one. */
function render(why) {
  document.querySelector('.lang').textContent = t('lang_switch');
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelector('.centre').textContent = info ? (getLang() === 'en' ? info.name_en : info.name) : '';
  const route = location.hash.startsWith('#/lookup') ? 'lookup' : 'book';
  const view = !info ? [h('p', { class: 'error' }, t('network'))]
    : route === 'lookup' ? renderLookup(info) : bookingView();
  app.replaceChildren(...view.flat().filter(Boolean));
  const step = stepOf(route);
  if (why === 'invalid') {
    const first = app.querySelector('[aria-invalid="true"], [data-testid=error]');
    first?.scrollIntoView({ block: 'center' });
    first?.focus({ preventScroll: true });
  } else if (step !== shownStep) {
    window.scrollTo(0, 0);
    app.querySelector('h1')?.focus({ preventScroll: true });
  }
  shownStep = step;
}

document.querySelector('.lang').addEventListener('click', () => { setLang(getLang() === 'vi' ? 'en' : 'vi'); render(); });
window.addEventListener('hashchange', render);
setLang(getLang());
const r = await api.bookingInfo();
info = r.ok ? r.body : null;
render();
