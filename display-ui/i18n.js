// Board labels in Vietnamese (the default) and English (`?lang=en`).

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

/** Fills every element with `data-t` from the table. */
export function translate(root, t) {
  for (const el of root.querySelectorAll('[data-t]')) {
    const v = t[el.dataset.t];
    if (typeof v === 'string') el.textContent = v;
  }
}

const WEEKDAY = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** "Thứ Năm, 26/11/2026" and "09:15" at instant `ms` in `timeZone`. */
export function dateTime(ms, timeZone, t) {
  const parts = {};
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  for (const p of fmt.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    date: `${t.days[WEEKDAY[parts.weekday]]}, ${parts.day}/${parts.month}/${parts.year}`,
    time: `${parts.hour}:${parts.minute}`,
    day: `${parts.year}-${parts.month}-${parts.day}`,
  };
}
