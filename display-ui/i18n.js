// Board labels in Vietnamese (the default) and English (`?lang=en`).
import { zoned } from '/shared/i18n.js';

export const STRINGS = {
  vi: {
    now: 'Mời công dân số',
    to_counter: 'đến quầy số',
    counters: 'Các quầy',
    counter: 'Quầy',
    serving: 'Số đang phục vụ',
    recent: 'Vừa gọi',
    waiting: 'Đang chờ',
    waiting_n: (n) => `${n} người`,
    paused: 'Tạm nghỉ',
    closed: 'Đóng',
    idle: '—',
    lost: 'Mất kết nối · đang kết nối lại…',
    connecting: 'Đang kết nối…',
    sound_hint: 'Chạm để bật âm thanh',
    days: ['Chủ Nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'],
    counter_title: (n) => `Quầy số ${n}`,
    counter_waiting: 'Xin mời công dân số',
  },
  en: {
    now: 'Now calling',
    to_counter: 'counter',
    counters: 'Counters',
    counter: 'Counter',
    serving: 'Now serving',
    recent: 'Recent calls',
    waiting: 'Waiting',
    waiting_n: (n) => `${n} waiting`,
    paused: 'Paused',
    closed: 'Closed',
    idle: '—',
    lost: 'Connection lost · reconnecting…',
    connecting: 'Connecting…',
    sound_hint: 'Tap to enable sound',
    days: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
    counter_title: (n) => `Counter ${n}`,
    counter_waiting: 'Now serving',
  },
};

export function strings(lang) {
  return STRINGS[lang] ?? STRINGS.vi;
}

/** Fills every element with `data-t` from the table (and `data-t-label` aria-labels). */
export function translate(root, t) {
  for (const el of root.querySelectorAll('[data-t]')) {
    const v = t[el.dataset.t];
    if (typeof v === 'string') el.textContent = v;
  }
  for (const el of root.querySelectorAll('[data-t-label]')) el.setAttribute('aria-label', t[el.dataset.tLabel] ?? '');
}

/** "Thứ Năm, 26/11/2026" and "09:15" at instant `ms` in `timeZone`. */
export function dateTime(ms, timeZone, t) {
  const z = zoned(ms, timeZone);
  return { date: `${t.days[z.weekday]}, ${z.day}/${z.month}/${z.year}`, time: `${z.hour}:${z.minute}`, day: z.iso };
}
