// Online booking: the centre's limits per phone and check-in window, and per
// service whether it is bookable, the slot length, places a slot, days ahead,
// lead time and the documents to bring ("giấy tờ cần mang", shown on the
// portal, the booking confirmation and the ticket page). Read from the public
// booking info, saved with the admin booking API.

import { ADMIN, api, CENTRE } from '../api.js';
import { t } from '../i18n.js';
import { check, errorLine, field, h, submit } from '../forms.js';

const num = (key, value, min, max) =>
  field(key, h('input', { type: 'number', name: key, value, min, max, required: true }));

export async function render(main) {
  const info = await api('GET', `/api/v1/centres/${CENTRE}/booking`);
  const r = info.rules;
  const err = errorLine();
  const perDay = num('perDay', r.limits.per_day, 1, 20);
  const perService = num('perService', r.limits.per_service_per_day, 1, 20);
  const before = num('checkinBefore', r.check_in.before_minutes, 0, 240);
  const afterMin = num('checkinAfter', r.check_in.after_minutes, 0, 240);
  const rules = h('form', { class: 'card', id: 'booking-rules' },
    h('h2', {}, t('navBooking')), h('h3', {}, t('bookingRules')),
    h('div', { class: 'row' }, perDay, perService, before, afterMin), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  rules.onsubmit = async (ev) => {
    ev.preventDefault();
    await submit(err, () => api('PUT', `${ADMIN}/booking-rules`, {
      limits: { per_day: Number(perDay.input.value), per_service_per_day: Number(perService.input.value) },
      check_in: { before_minutes: Number(before.input.value), after_minutes: Number(afterMin.input.value) },
      retention_days: r.retention_days,
    }));
  };
  main.append(rules, ...info.services.map(serviceForm));
}

function serviceForm(s) {
  const c = s.settings;
  const err = errorLine();
  const enabled = check('bookable', c.enabled, { name: 'enabled' });
  const slot = num('slotMinutes', c.slot_minutes, 5, 240);
  const capacity = num('capacity', c.capacity, 1, 500);
  const horizon = num('horizonDays', c.horizon_days, 0, 90);
  const lead = num('leadMinutes', c.lead_minutes, 0, 10080);
  const docs = field('documents', h('textarea', { name: 'bring_note', rows: 3, maxlength: 1000 }, c.bring_note));
  const docsEn = field('documentsEn', h('textarea', { name: 'bring_note_en', rows: 3, maxlength: 1000 }, c.bring_note_en));
  const form = h('form', { class: 'card', 'data-service': s.code },
    h('h3', {}, `${s.code} · ${s.name}`), enabled,
    h('div', { class: 'row' }, slot, capacity, horizon, lead), docs, docsEn, err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    await submit(err, () => api('PUT', `${ADMIN}/services/${encodeURIComponent(s.code)}/booking`, {
      enabled: enabled.input.checked, slot_minutes: Number(slot.input.value), capacity: Number(capacity.input.value),
      horizon_days: Number(horizon.input.value), lead_minutes: Number(lead.input.value),
      bring_note: docs.input.value, bring_note_en: docsEn.input.value,
    }));
  };
  return form;
}
