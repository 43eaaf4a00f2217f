// Find a booking by code and phone, cancel it, or withdraw a consent given with
// it (reminders; or the booking's own, which erases the personal data). A wrong
// phone gets the same answer as an unknown code, so nothing is revealed.
import * as api from './api.js';
import { h } from './dom.js';
import { t, errorText } from './i18n.js';
import { facts } from './facts.js';

// The result of the last look-up: {booking, phone, error, message}.
let state = {};

export function renderLookup() {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const code = h('input', { type: 'text', id: 'code', autocapitalize: 'characters', maxlength: 8, testid: 'lookup-code',
    value: state.booking?.code ?? params.get('code') ?? '' });
  const phone = h('input', { type: 'tel', id: 'lphone', inputmode: 'tel', autocomplete: 'tel', testid: 'lookup-phone', value: state.phone ?? '' });
  const rerender = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const form = h('form', { onsubmit: async (ev) => {
    ev.preventDefault();
    const r = await api.lookup(code.value.trim(), phone.value);
    state = r.ok ? { booking: r.body, phone: phone.value } : { phone: phone.value, error: r.status === 404 ? { message: t('not_found'), message_en: t('not_found') } : r.body };
    rerender();
  } },
  h('label', { for: 'code' }, t('code')), code,
  h('label', { for: 'lphone' }, t('phone')), phone,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', testid: 'find' }, t('find'))));
  const b = state.booking;
  const withdraw = (purpose, message, confirmText) => async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    const r = await api.withdraw(b.code, state.phone, purpose);
    // After the booking consent the phone no longer finds the booking.
    state = r.ok ? { booking: purpose === 'booking' ? null : r.body, phone: state.phone, message } : { ...state, error: r.body };
    rerender();
  };
  return [h('h1', { tabindex: '-1' }, t('lookup_title')), form,
    state.error && h('p', { class: 'error', role: 'alert', testid: 'error' }, errorText(state.error)),
    state.message && h('p', { class: 'ok', testid: 'message' }, state.message),
    b && h('div', { class: 'card', testid: 'booking' }, h('div', { class: 'code' }, b.code), facts(b),
      b.status === 'booked' && h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn', testid: 'cancel', onclick: async () => {
          if (!window.confirm(t('cancel_confirm'))) return;
          const r = await api.cancel(b.code, state.phone);
          state = r.ok ? { booking: r.body, phone: state.phone, message: t('cancelled_ok') } : { ...state, error: r.body };
          rerender();
        } }, t('cancel'))),
      b.name && h('div', { class: 'actions' },
        b.reminder_consent_version && h('p', { testid: 'reminders-on' }, t('reminders_on')),
        b.reminder_consent_version && h('button', { type: 'button', class: 'btn', testid: 'withdraw-reminders',
          onclick: withdraw('reminders', t('withdrawn_reminders')) }, t('withdraw_reminders')),
        h('button', { type: 'button', class: 'btn', testid: 'withdraw-booking',
          onclick: withdraw('booking', t('withdrawn_booking'), t('withdraw_booking_confirm')) }, t('withdraw_booking'))))];
}
