// Talking to the server, for every UI: JSON in and out, errors as `ApiError`
// with the server's stable code and its Vietnamese and English messages (a
// network failure is status 0 with messages of its own). Pages signed in with
// the session cookie echo the CSRF cookie on writes (double submit); device
// pages send their token as a Bearer header; the portal sends a phone in
// `X-Phone`, never in a URL.

const NETWORK = {
  vi: 'Không kết nối được máy chủ, vui lòng thử lại.',
  en: 'Cannot reach the server, please retry.',
};

/** A failed call: `status` (0 = no answer), `code`, `field`, `vi`, `en`, `body`. */
export class ApiError extends Error {
  constructor(status, body) {
    const en = status === 0 ? NETWORK.en : body?.message_en || `HTTP ${status}`;
    super(en);
    this.status = status;
    this.body = body ?? null;
    this.code = status === 0 ? 'network' : body?.code || `http_${status}`;
    /** The input field the server blames (`invalid` errors), if any. */
    this.field = body?.field ?? null;
    this.vi = status === 0 ? NETWORK.vi : body?.message || en;
    this.en = en;
  }

  /** The message in `lang` ('vi' or 'en'). */
  text(lang) {
    return lang === 'en' ? this.en : this.vi;
  }
}

/** The CSRF cookie's value ('' when not signed in). */
export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)luot_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

/**
 * One call. Options: `body` (JSON, or raw with `contentType`), `token` (a
 * device or session token, sent as Bearer), `phone` (X-Phone), `headers`,
 * `cache` (fetch's cache mode, e.g. 'no-store' past a public max-age),
 * `raw` (resolve to the Response itself). Resolves to the JSON reply (null
 * when empty); rejects with an `ApiError`.
 */
export async function request(method, path, opts = {}) {
  const headers = { ...(opts.headers ?? {}) };
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.phone) headers['x-phone'] = opts.phone;
  let payload;
  if (opts.body !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    payload = opts.contentType ? opts.body : JSON.stringify(opts.body);
  }
  let r;
  try {
    r = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: opts.cache });
  } catch {
    throw new ApiError(0, null);
  }
  if (!r.ok) {
    let body = null;
    try { body = await r.json(); } catch { /* not JSON */ }
    throw new ApiError(r.status, body);
  }
  if (opts.raw) return r;
  const text = await r.text();
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

/**
 * Like `request`, but never rejects: resolves to `{ok, status, body, error}`
 * (`error` an `ApiError` when not ok, `body` the error's JSON then).
 */
export async function call(method, path, opts = {}) {
  try {
    const body = await request(method, path, opts);
    return { ok: true, status: 200, body, error: null };
  } catch (e) {
    const error = e instanceof ApiError ? e : new ApiError(0, null);
    return { ok: false, status: error.status, body: error.body, error };
  }
}

/**
 * A device page's token: taken once from the address's fragment (`#token=`,
 * as in the pairing link), kept in localStorage under `key`, and removed from
 * the address bar at once so it is neither bookmarked nor shown. A fragment
 * never leaves the browser; a `?token=` query would have reached the server
 * (and any proxy's log), so it is not taken: it is only wiped from the address.
 */
export function deviceToken(key) {
  const url = new URL(location.href);
  const hash = new URLSearchParams(url.hash.slice(1));
  const given = hash.get('token');
  if (given) localStorage.setItem(key, given);
  if (given || url.searchParams.has('token')) {
    url.searchParams.delete('token');
    hash.delete('token');
    url.hash = hash.toString();
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return localStorage.getItem(key) || '';
}
