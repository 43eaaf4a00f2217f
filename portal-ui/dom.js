// A tiny element builder: text is always set as text, never parsed as HTML, so
// names and server messages cannot inject markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.dataset.testid = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Formats an instant in the centre's timezone. */
export function fmt(iso, tz, lang, opts) {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: tz, ...opts }).format(new Date(iso));
}

export const dateOpts = { weekday: 'long', day: 'numeric', month: 'numeric', year: 'numeric' };
export const timeOpts = { hour: '2-digit', minute: '2-digit', hour12: false };
