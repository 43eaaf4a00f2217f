// What citizens see and hear: ticket header and footer, the ticket logo (both
// printed on every ticket, the logo above the header), the
// call phrases, and the notice line of the waiting-room display
// (PUT /api/v1/centres/{centre}/notice, from the display work).

import { ADMIN, api, CENTRE } from '../api.js';
import { t } from '../i18n.js';
import { errorLine, field, h, submit } from '../forms.js';
import { saveCentre } from './settings.js';

export async function render(main, { config, reload }) {
  const c = structuredClone(config.centre);
  // The server refuses more than prints (6 lines, 240 characters: `invalid` with the field).
  const ticketText = (name, value) => h('textarea', { name, rows: 6, maxlength: 240 }, value);
  const header = field('ticketHeader', ticketText('ticket_header', c.ticket_header));
  const footer = field('ticketFooter', ticketText('ticket_footer', c.ticket_footer));
  const vi = field('announceVi', h('input', { name: 'announcement_vi', value: c.announcement_vi }));
  const en = field('announceEn', h('input', { name: 'announcement_en', value: c.announcement_en }));
  const err = errorLine();
  const texts = h('form', { class: 'card', id: 'ticket-form' },
    h('h2', {}, t('navTicket')), h('p', { class: 'muted' }, t('ticketTextHint')), header, footer, vi, en,
    h('p', { class: 'muted' }, t('announceHint')), err,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  texts.onsubmit = async (ev) => {
    ev.preventDefault();
    Object.assign(c, {
      ticket_header: header.input.value,
      ticket_footer: footer.input.value,
      announcement_vi: vi.input.value,
      announcement_en: en.input.value,
    });
    if (await submit(err, () => saveCentre(c))) reload();
  };

  const logoErr = errorLine();
  const file = h('input', { type: 'file', accept: 'image/png', name: 'logo', 'aria-label': t('logo') });
  const logo = h('div', { class: 'card', id: 'logo' },
    h('h2', {}, t('logo')),
    config.has_logo
      ? h('img', { class: 'logo', alt: 'logo', src: `/api/v1/centres/${CENTRE}/logo?v=${Date.now()}` })
      : h('p', { class: 'muted' }, t('noLogo')),
    h('div', { class: 'actions' }, file,
      h('button', {
        type: 'button', class: 'primary',
        onclick: async () => {
          const f = file.files[0];
          if (!f) return;
          const bytes = await f.arrayBuffer();
          if (await submit(logoErr, () => api('PUT', `${ADMIN}/logo`, bytes, { contentType: 'image/png' })) !== undefined) reload();
        },
      }, t('uploadLogo')),
      config.has_logo && h('button', {
        type: 'button', class: 'danger',
        onclick: async () => { if (await submit(logoErr, () => api('DELETE', `${ADMIN}/logo`)) !== undefined) reload(); },
      }, t('removeLogo'))),
    logoErr);

  let current = '';
  try { current = (await api('GET', `/api/v1/centres/${CENTRE}/display`)).notice ?? ''; } catch { /* no display API */ }
  const noticeErr = errorLine();
  const notice = field('notice', h('input', { name: 'notice', value: current, maxlength: 500 }));
  const noticeForm = h('form', { class: 'card', id: 'notice-form' }, notice, noticeErr,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('save'))));
  noticeForm.onsubmit = async (ev) => {
    ev.preventDefault();
    await submit(noticeErr, () => api('PUT', `/api/v1/centres/${CENTRE}/notice`, { text: notice.input.value }));
  };
  main.append(texts, logo, noticeForm);
}
