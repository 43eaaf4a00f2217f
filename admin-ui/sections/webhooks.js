// Webhooks: the centre's outbound hooks to the province's systems
// (GET/POST/DELETE /api/v1/admin/centres/{centre}/webhooks, audited). Each hook
// with its events, whether it may receive personal data, and its latest
// deliveries (delivered, pending with retries, failed with the receiver's
// answer or the error). Create: URL, events, secret (typed or generated here),
// personal data only when ticked. The secret is never shown again.

import { ADMIN, api } from '../api.js';
import { lang, t } from '../i18n.js';
import { check, errorLine, field, h, submit } from '../forms.js';

/** The events a hook can subscribe to (crates/store/src/integration.rs). */
const EVENTS = ['ticket.issued', 'ticket.called', 'ticket.served', 'ticket.no_show', 'ticket.expired', 'ticket.rated',
  'dossier.attached', 'booking.created', 'booking.cancelled'];

/** 32 random bytes as hex: a secret strong enough for HMAC-SHA256. */
function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function render(main, { config, reload }) {
  const hooks = await api('GET', `${ADMIN}/webhooks`);
  const when = (ts) => (ts ? new Date(ts).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: config.centre.timezone }) : '');
  const tone = { delivered: 'ok', pending: 'warn', failed: 'bad' };
  const listErr = errorLine();
  const deliveries = (hook) => (hook.deliveries.length === 0 ? h('p', { class: 'muted' }, t('whNoDeliveries')) : h('table', { class: 'deliveries' },
    h('thead', {}, h('tr', {}, ['whAt', 'whEvent', 'state', 'whAttempts', 'whAnswer'].map((c) => h('th', {}, t(c))))),
    h('tbody', {}, hook.deliveries.map((d) => h('tr', { 'data-delivery': d.delivery, 'data-status': d.status },
      h('td', {}, when(d.delivered_at ?? d.created_at)),
      h('td', {}, d.event),
      h('td', {}, h('span', { class: `pill ${tone[d.status] ?? ''}` }, t('whStatus')[d.status] ?? d.status)),
      h('td', { class: 'num' }, String(d.attempts)),
      h('td', { class: 'answer' }, [d.response_status ? `HTTP ${d.response_status}` : '', d.last_error ?? ''].filter(Boolean).join(' · ')))))));
  const list = h('div', { id: 'webhooks' }, hooks.length === 0 ? h('p', { class: 'muted' }, t('whNone')) : hooks.map((hook) => {
    const failed = hook.deliveries.filter((d) => d.status === 'failed').length;
    return h('article', { class: 'hook', 'data-hook': hook.id },
      h('h3', {}, hook.url),
      h('p', {}, hook.events.join(', '), ' ',
        hook.personal_data ? h('span', { class: 'pill warn' }, t('whPersonal')) : h('span', { class: 'pill' }, t('whNoPersonal')),
        failed ? h('span', { class: 'pill bad failures' }, t('whFailures').replace('{n}', failed)) : ''),
      h('small', { class: 'muted' }, `${t('whCreated')} ${when(hook.created_at)}`),
      deliveries(hook),
      h('div', { class: 'actions' }, h('button', {
        type: 'button', class: 'small danger', 'data-remove': hook.id,
        onclick: async () => {
          if (!confirm(t('whConfirmRemove'))) return;
          // 204: `submit` resolves to null on success, undefined on a failure.
          if (await submit(listErr, () => api('DELETE', `${ADMIN}/webhooks/${hook.id}`)) !== undefined) reload();
        },
      }, t('remove'))));
  }));

  const err = errorLine();
  const url = field('whUrl', h('input', { type: 'url', name: 'url', required: true, placeholder: 'https://' }));
  const secret = field('whSecret', h('input', { name: 'secret', required: true, minlength: 16, maxlength: 200, autocomplete: 'off', spellcheck: 'false' }));
  const events = EVENTS.map((e) => check('x', e === 'ticket.called' || e === 'ticket.rated', { 'data-event': e }));
  for (const [i, c] of events.entries()) c.lastChild.textContent = `${EVENTS[i]} · ${t('whEvents')[EVENTS[i]]}`;
  const personal = check('whPersonalTick', false, { name: 'personal_data' });
  // novalidate: the API's checks and messages (Vietnamese or English) apply.
  const form = h('form', { class: 'card', id: 'webhook-form', novalidate: true },
    h('h2', {}, t('whAdd')),
    url,
    h('fieldset', { class: 'counters' }, h('legend', {}, t('whEventsLegend')), events),
    secret,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', id: 'new-secret', onclick: () => { secret.input.value = newSecret(); } }, t('whGenerate'))),
    h('small', { class: 'muted' }, t('whSecretHint')),
    h('p', {}, personal), h('small', { class: 'muted' }, t('whPersonalHint')),
    err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('add'))));
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const body = {
      url: url.input.value.trim(),
      events: events.filter((c) => c.input.checked).map((c) => c.input.dataset.event),
      secret: secret.input.value,
      personal_data: personal.input.checked,
    };
    if (await submit(err, () => api('POST', `${ADMIN}/webhooks`, body))) reload();
  };
  main.append(h('div', { class: 'card wide' }, h('h2', {}, t('navWebhooks')), h('p', { class: 'muted' }, t('whHelp')), listErr, list), form);
}
