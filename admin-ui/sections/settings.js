// Centre settings: names, address, hotline, timezone, opening hours and working
// days, the no-show rule, remote tickets, enforced hours, documents to bring
// on the printed ticket, what "Gọi tiếp" does with a citizen called but not
// started, data retention.
// Saved as one document (PUT .../settings); the other sections edit the rest
// of the same document (priority classes, ticket texts, call phrases).

import { ADMIN, api } from '../api.js';
import { t } from '../i18n.js';
import { check, errorLine, field, h, hoursEditor, submit } from '../forms.js';

/** Saves `centre` (the whole settings document). */
export function saveCentre(centre) {
  return api('PUT', `${ADMIN}/settings`, centre);
}

export async function render(main, { config, reload }) {
  const c = structuredClone(config.centre);
  const input = (key, value, attrs = {}) => field(key, h('input', { value, ...attrs }));
  const name = input('name', c.name, { name: 'name', required: true });
  const nameEn = input('nameEn', c.name_en, { name: 'name_en', required: true });
  const address = input('address', c.address, { name: 'address' });
  const hotline = input('hotline', c.hotline, { name: 'hotline' });
  const timezone = input('timezone', c.timezone, { name: 'timezone' });
  const hours = hoursEditor(c.hours);
  const noShow = input('noShowAfter', c.no_show_after_recalls, { name: 'no_show_after_recalls', type: 'number', min: 1, max: 10 });
  const retention = input('retention', c.data_retention_days, { name: 'data_retention_days', type: 'number', min: 30, max: 3650 });
  const remote = check('remoteTickets', c.remote_tickets, { name: 'remote_tickets' });
  const enforce = check('enforceHours', c.enforce_hours, { name: 'enforce_hours' });
  const docs = check('printDocuments', c.print_documents, { name: 'print_documents' });
  const served = check('unstartedServed', c.call_next_unstarted === 'served', { name: 'call_next_unstarted' });
  const err = errorLine();
  const form = h('form', { class: 'card', id: 'settings-form' },
    h('h2', {}, t('navSettings')),
    h('div', { class: 'row' }, name, nameEn, address, hotline, timezone),
    h('h3', {}, t('hours')), hours,
    h('div', { class: 'row' }, noShow, retention),
    remote, enforce, docs, served,
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    Object.assign(c, {
      name: name.input.value,
      name_en: nameEn.input.value,
      address: address.input.value,
      hotline: hotline.input.value,
      timezone: timezone.input.value.trim(),
      hours: hours.value(),
      no_show_after_recalls: Number(noShow.input.value),
      data_retention_days: Number(retention.input.value),
      remote_tickets: remote.input.checked,
      enforce_hours: enforce.input.checked,
      print_documents: docs.input.checked,
      call_next_unstarted: served.input.checked ? 'served' : 'no_show',
    });
    if (await submit(err, () => saveCentre(c))) reload();
  };
  main.append(form);
}
