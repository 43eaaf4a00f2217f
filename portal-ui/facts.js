// A booking's facts (service, date, time, address, what to bring, status, turn
// notices), as the confirmation and the look-up page show them, in the
// centre's timezone.
import { h, fmt, dateOpts, timeOpts } from './dom.js';
import { t, getLang } from './i18n.js';

/** The booking's facts, shared by the confirmation and the look-up page. */
export function facts(a) {
  const en = getLang() === 'en';
  const tz = a.timezone;
  return h('dl', {},
    h('dt', {}, t('service')), h('dd', {}, en ? a.service_name_en : a.service_name),
    h('dt', {}, t('date')), h('dd', { testid: 'date' }, fmt(a.slot_start, tz, getLang(), dateOpts)),
    h('dt', {}, t('time')), h('dd', { testid: 'time' }, `${fmt(a.slot_start, tz, getLang(), timeOpts)} – ${fmt(a.slot_end, tz, getLang(), timeOpts)}`),
    h('dt', {}, t('address')), h('dd', {}, `${en ? a.centre_name_en : a.centre_name}, ${a.address}`),
    (en ? a.bring_note_en : a.bring_note) && [h('dt', {}, t('bring')), h('dd', {}, en ? a.bring_note_en : a.bring_note)],
    h('dt', {}, t('status')), h('dd', { testid: 'status' }, t(`st_${a.status}`)),
    a.ticket_number && [h('dt', {}, t('ticket')), h('dd', {}, a.ticket_number)],
    h('dt', {}, t('turn_notices')), h('dd', { testid: 'turn-notices' }, t(turnNotices(a))));
}

/** "Your turn is near" by text: promised until check-in, then on the ticket until it ends. */
function turnNotices(a) {
  if (!a.turn_notices) return 'turn_notices_off';
  return a.status === 'booked' ? 'turn_notices_booked' : 'turn_notices_on';
}
