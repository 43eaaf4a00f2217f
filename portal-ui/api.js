// The booking API, as the portal uses it. Every call resolves to
// {ok, status, body}; the phone travels in the X-Phone header, never in a URL.
async function call(method, path, { body, phone } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (phone) headers['x-phone'] = phone;
  try {
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
    return { ok: r.ok, status: r.status, body: parsed };
  } catch {
    return { ok: false, status: 0, body: null };
  }
}

export const CENTRE = new URLSearchParams(location.search).get('centre') || 'mo-cay';

export const bookingInfo = () => call('GET', `/api/v1/centres/${CENTRE}/booking`);
export const slots = (service, date) =>
  call('GET', `/api/v1/centres/${CENTRE}/services/${encodeURIComponent(service)}/slots?date=${date}`);
export const book = (body) => call('POST', `/api/v1/centres/${CENTRE}/appointments`, { body });
export const lookup = (code, phone) => call('GET', `/api/v1/appointments/${encodeURIComponent(code)}`, { phone });
export const cancel = (code, phone) => call('DELETE', `/api/v1/appointments/${encodeURIComponent(code)}`, { phone });
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
