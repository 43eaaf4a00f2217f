// Talking to the server through the shared module (/shared/api.js): JSON in
// and out, the session cookie sent by the browser, and the CSRF cookie echoed
// on every write (double submit). Errors come back as `ApiError` {status,
// code, field, vi, en} so forms can show them.
import { ApiError, request } from '/shared/api.js';

export { ApiError };

/** `api('PUT', path, body)`; resolves to the JSON reply (null for 204). */
export function api(method, path, body, { raw = false, contentType } = {}) {
  return request(method, path, { body, raw, contentType });
}

export const CENTRE = new URLSearchParams(location.search).get('centre') || 'mo-cay';
export const ADMIN = `/api/v1/admin/centres/${CENTRE}`;
