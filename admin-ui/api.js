// Talking to the server: JSON in and out, the session cookie sent by the
// browser, and the CSRF cookie echoed on every write (double submit). Errors
// come back as {status, code, message, message_en} so forms can show them.

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)luot_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message_en || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || 'http_' + status;
    this.vi = body?.message || this.message;
    this.en = body?.message_en || this.message;
  }
}

/** `api('PUT', path, body)`; resolves to the JSON reply (null for 204). */
export async function api(method, path, body, { raw = false, contentType } = {}) {
  const headers = {};
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  let payload;
  if (body !== undefined) {
    if (contentType) {
      headers['content-type'] = contentType;
      payload = body;
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
  }
  const r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (!r.ok) {
    let err = null;
    try { err = await r.json(); } catch { /* not JSON */ }
    throw new ApiError(r.status, err);
  }
  if (raw) return r;
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

export const CENTRE = new URLSearchParams(location.search).get('centre') || 'mo-cay';
export const ADMIN = `/api/v1/admin/centres/${CENTRE}`;
