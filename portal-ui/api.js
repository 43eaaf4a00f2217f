// The booking API, as the portal uses it (calls through the shared module,
// /shared/api.js). Every call resolves to {ok, status, body, error}; the phone
// travels in the X-Phone header, never in a URL.
import { call as shared } from '/shared/api.js';

const call = (method, path, { body, phone } = {}) => shared(method, path, { body, phone });

export const CENTRE = new URLSearchParams(location.search).get('centre') || 'mo-cay';

export const bookingInfo = () => call('GET', `/api/v1/centres/${CENTRE}/booking`);
export const slots = (service, date) =>
  call('GET', `/api/v1/centres/${CENTRE}/services/${encodeURIComponent(service)}/slots?date=${date}`);
export const book = (body) => call('POST', `/api/v1/centres/${CENTRE}/appointments`, { body });
export const lookup = (code, phone) => call('GET', `/api/v1/appointments/${encodeURIComponent(code)}`, { phone });
export const cancel = (code, phone) => call('DELETE', `/api/v1/appointments/${encodeURIComponent(code)}`, { phone });
export const withdraw = (code, phone, purpose) =>
  call('POST', `/api/v1/appointments/${encodeURIComponent(code)}/withdraw`, { body: { purpose }, phone });
export const qrUrl = (code) => `/api/v1/appointments/${encodeURIComponent(code)}/qr.svg`;

/** Downloads the booking's .ics (fetched with the phone header, saved as a file). */
export async function downloadCalendar(code, phone) {
  const r = await fetch(`/api/v1/appointments/${encodeURIComponent(code)}/calendar.ics`, { headers: { 'x-phone': phone } });
  if (!r.ok) return false;
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: `luot-${code}.ics` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return true;
}
