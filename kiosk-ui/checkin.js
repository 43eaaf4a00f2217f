// Check-in panel for the kiosk (and any staff page): a self-contained ES module.
//
//   import { renderCheckIn } from '/kiosk/checkin.js';
//   const panel = renderCheckIn(element, { centre: 'mo-cay', authorization: 'Bearer …', lang: 'vi' });
//
// The citizen types the booking code, or a keyboard-wedge scanner "types" the
// booking QR (the code) or a CCCD / căn cước QR (`ID|old ID|name|…`) followed by
// Enter into the focused input. A CCCD goes to POST /api/v1/centres/{centre}/check-in
// (the server finds today's booking by the hashed ID number); a code to
// POST /api/v1/appointments/{code}/check-in. The panel shows the ticket number,
// or when to come back (too early), or that a normal ticket is needed (too late).
// It never shows the name, phone or ID number: a kiosk screen is public.
//
// Options: centre (code), authorization (Authorization header value, optional),
// lang ('vi' | 'en'), onTicket(outcome) after a check-in, onWalkIn(service) when
// the citizen is too late and taps "take a normal ticket", keypad (true on a
// touch kiosk: an on-screen keypad of the code's letters and digits, since a
// kiosk browser has no keyboard), fetch (for tests).

const TEXT = {
  vi: {
    title: 'Xác nhận lịch hẹn', hint: 'Nhập mã đặt lịch, hoặc quét mã QR đặt lịch / mã QR trên CCCD',
    code: 'Mã đặt lịch', submit: 'Xác nhận', busy: 'Đang xác nhận…', your_number: 'Số thứ tự của bạn',
    again: 'Lịch hẹn này đã được xác nhận trước đó', wait: 'Vui lòng chờ gọi số. Lịch hẹn được ưu tiên khi đến giờ hẹn',
    early: 'Bạn đến sớm. Vui lòng quay lại xác nhận từ {time}', late: 'Đã quá giờ hẹn. Vui lòng lấy số thứ tự thông thường',
    walk_in: 'Lấy số thông thường', not_found: 'Không tìm thấy lịch hẹn hôm nay với mã hoặc thẻ này',
    invalid: 'Không đọc được mã. Vui lòng thử lại', network: 'Không kết nối được máy chủ, vui lòng thử lại',
    slot: 'Giờ hẹn', erase: 'Xóa', clear: 'Xóa hết',
  },
  en: {
    title: 'Check in a booking', hint: 'Type your booking code, or scan the booking QR or the QR on your citizen ID card',
    code: 'Booking code', submit: 'Check in', busy: 'Checking in…', your_number: 'Your number',
    again: 'This booking was already checked in', wait: 'Please wait to be called. Bookings go first once their time begins',
    early: 'You are early. Please check in from {time}', late: 'Your time has passed. Please take a normal ticket',
    walk_in: 'Take a normal ticket', not_found: 'No booking today for this code or card',
    invalid: 'Could not read the code. Please try again', network: 'Cannot reach the server, please retry',
    slot: 'Appointment time', erase: 'Delete', clear: 'Clear',
  },
};

function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/** The letters and digits of booking codes: no 0/O, 1/I (see crates/domain/src/booking.rs). */
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 6;

/** Where a scan goes: a CCCD payload (has `|`) or a booking code (a URL's last part). */
export function classify(raw) {
  const s = raw.replace(/[\r\n]+/g, '').trim();
  if (s.includes('|')) return { kind: 'cccd', scan: s };
  const code = s.split(/[/=]/).pop().replace(/[\s-]/g, '').toUpperCase();
  return { kind: 'code', code };
}

export function renderCheckIn(root, opts = {}) {
  const centre = opts.centre ?? 'mo-cay';
  const doFetch = opts.fetch ?? window.fetch.bind(window);
  let lang = opts.lang === 'en' ? 'en' : 'vi';
  const tx = (k, vars = {}) => TEXT[lang][k].replace(/\{(\w+)\}/g, (_, v) => vars[v] ?? '');
  const fmtTime = (iso, tz) => new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'vi-VN',
    { timeZone: tz || 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
  // "07:00", or "07:00 27/11" when that is not today: a booking for tomorrow
  // must not read as "come back at 07:00" today.
  const fmtWhen = (iso, tz) => {
    const day = (d) => new Intl.DateTimeFormat('en-GB', { timeZone: tz || 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit' }).format(d);
    const at = new Date(iso);
    return day(at) === day(new Date()) ? fmtTime(iso, tz) : `${fmtTime(iso, tz)} ${day(at)}`;
  };

  const input = el('input', { type: 'text', autocomplete: 'off', spellcheck: false, className: 'checkin-input' });
  input.setAttribute('aria-label', tx('code'));
  input.dataset.testid = 'checkin-input';
  const button = el('button', { type: 'submit', className: 'checkin-submit', textContent: tx('submit') });
  const result = el('div', { className: 'checkin-result', role: 'status' });
  result.dataset.testid = 'checkin-result';
  const title = el('h2', { textContent: tx('title') });
  const hint = el('p', { className: 'checkin-hint', textContent: tx('hint') });
  const keypad = opts.keypad ? renderKeypad() : null;
  const form = el('form', { className: 'checkin' }, title, hint, el('div', { className: 'checkin-entry' }, input, button), keypad, result);
  form.setAttribute('novalidate', '');
  root.replaceChildren(form);

  // Keys type into the input and keep the focus there, so a scanner can still
  // "type" a QR at any moment; the system keyboard stays hidden (inputmode none).
  function renderKeypad() {
    input.inputMode = 'none';
    const key = (label, value, className = 'checkin-key') => {
      const b = el('button', { type: 'button', className, textContent: label });
      b.dataset.key = value;
      b.addEventListener('pointerdown', (ev) => ev.preventDefault());
      b.addEventListener('click', () => press(value));
      return b;
    };
    const erase = key(tx('erase'), 'erase', 'checkin-key wide');
    const clear = key(tx('clear'), 'clear', 'checkin-key wide');
    const pad = el('div', { className: 'checkin-keypad' }, ...[...CODE_ALPHABET].map((c) => key(c, c)), erase, clear);
    pad.dataset.testid = 'checkin-keypad';
    pad.relabel = () => { erase.textContent = tx('erase'); clear.textContent = tx('clear'); };
    return pad;
  }

  function press(value) {
    if (value === 'erase') input.value = input.value.slice(0, -1);
    else if (value === 'clear') input.value = '';
    else if (input.value.length < CODE_LENGTH) input.value += value;
    input.focus();
  }

  function show(...nodes) { result.replaceChildren(...nodes); }

  async function submit(raw) {
    const c = classify(raw);
    if (c.kind === 'code' && !/^[A-HJ-NP-Z2-9]{6}$/.test(c.code)) return show(el('p', { className: 'checkin-error', textContent: tx('invalid') }));
    const headers = { 'content-type': 'application/json' };
    if (opts.authorization) headers.authorization = opts.authorization;
    const [url, body] = c.kind === 'cccd'
      ? [`/api/v1/centres/${encodeURIComponent(centre)}/check-in`, JSON.stringify({ scan: c.scan })]
      : [`/api/v1/appointments/${c.code}/check-in`, '{}'];
    button.disabled = true;
    button.textContent = tx('busy');
    let r;
    let data = null;
    try {
      r = await doFetch(url, { method: 'POST', headers, body });
      data = await r.json().catch(() => null);
    } catch {
      r = null;
    }
    button.disabled = false;
    button.textContent = tx('submit');
    input.value = '';
    input.focus();
    if (!r) return show(el('p', { className: 'checkin-error', textContent: tx('network') }));
    if (r.ok) {
      const a = data.appointment;
      show(el('p', { textContent: data.new ? tx('your_number') : tx('again') }),
        el('p', { className: 'checkin-number', textContent: data.ticket.number }),
        el('p', { textContent: `${lang === 'en' ? a.service_name_en : a.service_name} · ${tx('slot')} ${fmtTime(a.slot_start, a.timezone)}` }),
        el('p', { textContent: tx('wait') }));
      opts.onTicket?.(data);
      return;
    }
    if (data?.code === 'too_early') return show(el('p', { className: 'checkin-error', textContent: tx('early', { time: fmtWhen(data.come_back_at) }) }));
    if (data?.code === 'too_late') {
      const walk = el('button', { type: 'button', className: 'checkin-walk-in', textContent: tx('walk_in') });
      walk.addEventListener('click', () => opts.onWalkIn?.(data.walk_in?.service));
      return show(el('p', { className: 'checkin-error', textContent: tx('late') }), opts.onWalkIn ? walk : null);
    }
    if (r.status === 404) return show(el('p', { className: 'checkin-error', textContent: tx('not_found') }));
    if (r.status === 422 || r.status === 400) return show(el('p', { className: 'checkin-error', textContent: tx('invalid') }));
    show(el('p', { className: 'checkin-error', textContent: (lang === 'en' ? data?.message_en : data?.message) || tx('network') }));
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); if (input.value.trim()) submit(input.value); });
  input.focus();

  return {
    /** Switches the panel's language. */
    setLang(l) {
      lang = l === 'en' ? 'en' : 'vi';
      title.textContent = tx('title');
      hint.textContent = tx('hint');
      button.textContent = tx('submit');
      input.setAttribute('aria-label', tx('code'));
      keypad?.relabel();
      result.replaceChildren();
    },
    /** Checks in what a scanner read elsewhere (e.g. a page-level key listener). */
    submit,
    focus() { input.focus(); },
  };
}
