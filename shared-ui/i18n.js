// Languages for every UI: Vietnamese first, English on request. Each UI keeps
// its own table of strings and gets `t`, the language switch and `translate`
// from here. The choice is remembered on the device (`?lang=` wins).

const LANGS = ['vi', 'en'];

/**
 * `makeI18n({vi: {...}, en: {...}}, {storageKey})` returns an object with
 * `lang`, `t(key, vars)` (fills `{name}` placeholders; a function-valued
 * string gets `vars`; an object or array entry is returned as it is), `setLang(l)`, `toggle()`, `translate(root)` and
 * `errorText(e)`.
 */
export function makeI18n(strings, { storageKey = 'luot.lang', remember = true } = {}) {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  const stored = remember ? localStorage.getItem(storageKey) : null;
  const i = {
    lang: LANGS.includes(fromUrl) ? fromUrl : stored === 'en' ? 'en' : 'vi',
    strings,
    /** The raw entry (may be an object, array or function). */
    raw(key) {
      return strings[i.lang]?.[key] ?? strings.vi[key];
    },
    t(key, vars = {}) {
      const s = i.raw(key);
      if (typeof s === 'function') return s(vars);
      if (s === undefined || s === null) return key;
      if (typeof s !== 'string') return s; // a table (weekday names, states) as it is
      return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
    },
    setLang(l) {
      i.lang = l === 'en' ? 'en' : 'vi';
      if (remember) localStorage.setItem(storageKey, i.lang);
      document.documentElement.lang = i.lang;
    },
    toggle() {
      i.setLang(i.lang === 'vi' ? 'en' : 'vi');
      return i.lang;
    },
    /**
     * Fills `data-i18n` (or `data-t`) elements' text, `data-i18n-placeholder`
     * (or `data-tp`) placeholders and `data-i18n-label` aria-labels.
     */
    translate(root = document) {
      for (const el of root.querySelectorAll('[data-i18n],[data-t]')) {
        const key = el.dataset.i18n ?? el.dataset.t;
        if (typeof i.raw(key) === 'string') el.textContent = i.t(key);
      }
      for (const el of root.querySelectorAll('[data-i18n-placeholder],[data-tp]')) {
        el.placeholder = i.t(el.dataset.i18nPlaceholder ?? el.dataset.tp);
      }
      for (const el of root.querySelectorAll('[data-i18n-label]')) {
        el.setAttribute('aria-label', i.t(el.dataset.i18nLabel));
      }
    },
    /** An error's message in the current language (ApiError, server body or Error). */
    errorText(e) {
      if (!e) return i.lang === 'en' ? 'Cannot reach the server, please retry.' : 'Không kết nối được máy chủ, vui lòng thử lại.';
      if (typeof e.text === 'function') return e.text(i.lang);
      if (e.message_en || e.message) return (i.lang === 'en' ? e.message_en : e.message) || e.message;
      return String(e.message ?? e);
    },
  };
  document.documentElement.lang = i.lang;
  return i;
}

const WEEKDAY = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/**
 * The parts of instant `ms` in `timeZone` (the centre's, whatever the
 * device's own): `{weekday (0 = Sunday), day, month, year, hour, minute, iso}`.
 */
export function zoned(ms, timeZone = 'Asia/Ho_Chi_Minh') {
  const p = {};
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  for (const x of fmt.formatToParts(new Date(ms))) p[x.type] = x.value;
  return {
    weekday: WEEKDAY[p.weekday], day: p.day, month: p.month, year: p.year, hour: p.hour, minute: p.minute,
    iso: `${p.year}-${p.month}-${p.day}`,
  };
}
