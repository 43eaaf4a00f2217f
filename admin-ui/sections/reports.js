// Reports: figures per day x service x counter x officer for a date range, on
// screen and as CSV or Excel downloads (the same endpoint with format=csv|xlsx).
// Ratings: the count, the count per level, the share satisfied (rất hài lòng +
// hài lòng) and the mean on the 1 to 5 scale. Below, totals per service,
// officer and day: no-shows, the share called within the service's target
// waiting time and the share served within its target service time.

import { api, CENTRE } from '../api.js';
import { lang, t } from '../i18n.js';
import { errorLine, field, h } from '../forms.js';

/** Today as `YYYY-MM-DD` in the centre's timezone (the browser's own zone may differ). */
const localDay = (tz) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
  .format(new Date());

export async function render(main, ctx) {
  const today = localDay(ctx?.config?.centre?.timezone || 'Asia/Ho_Chi_Minh');
  const from = field('from', h('input', { type: 'date', name: 'from', value: `${today.slice(0, 8)}01` }));
  const to = field('to', h('input', { type: 'date', name: 'to', value: today }));
  // Rows carry the Vietnamese name; English comes from the configuration.
  const english = new Map((ctx?.config?.services || []).map((s) => [s.code, s.name_en]));
  const serviceName = (x) => (lang === 'en' && english.get(x.service)) || x.service_name;
  const err = errorLine();
  const out = h('div');
  const url = (format) => `/api/v1/centres/${CENTRE}/reports?from=${from.input.value}&to=${to.input.value}&format=${format}`;
  const num = (v) => (v === null || v === undefined ? '' : String(v));
  // "3/4 · 75%": called within the target of those called (services with a
  // target); for the service time, served within it of those served.
  const share = (x) => (x.percent === null || x.percent === undefined ? '' : `${x.within}/${x.called ?? x.served} · ${x.percent}%`);
  // Totals of one dimension: issued, served, no-shows, expired, within the
  // target wait and the target service time.
  const totals = (id, title, list, label) => h('section', { class: 'totals' },
    h('h3', {}, t(title)),
    h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t(title) }, h('table', { id },
      h('thead', {}, h('tr', {}, ['rName', 'rIssued', 'rServed', 'rNoShow', 'rExpired', 'rWithin', 'rServiceWithin']
        .map((c, i) => h('th', { class: i > 0 ? 'num' : '' }, t(c))))),
      h('tbody', {}, list.map((x) => h('tr', { 'data-key': x.key },
        h('td', {}, label(x)),
        [x.issued, x.served, x.no_shows, x.expired].map((v) => h('td', { class: 'num' }, num(v))),
        h('td', { class: 'num within' }, share(x.target)),
        h('td', { class: 'num service-within' }, share(x.service_target))))))));
  const show = async () => {
    err.show(null);
    try {
      const r = await api('GET', url('json'));
      const cols = ['rDay', 'rService', 'rCounter', 'rOfficer', 'rIssued', 'rServed', 'rNoShow', 'rCancelled', 'rWait', 'rService2',
        'rWithin', 'rServiceWithin', 'rRatings', 'rLevels', 'rSat', 'rMean'];
      // Ratings by level, 5 (rất hài lòng) down to 1 (rất không hài lòng).
      const levels = (c) => [c.very_satisfied, c.satisfied, c.neutral, c.dissatisfied, c.very_dissatisfied].join(' / ');
      if (r.rows.length === 0) {
        out.replaceChildren(h('p', { class: 'muted' }, t('noData')));
        return;
      }
      const officer = (x) => x.officer_name || x.officer || '';
      out.replaceChildren(h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t('navReports') }, h('table', { id: 'report' },
        h('thead', {}, h('tr', {}, cols.map((c, i) => h('th', {
          class: i > 3 ? 'num' : '',
          title: c === 'rLevels' ? t('rLevelsHint') : c === 'rWithin' ? t('rWithinHint')
            : c === 'rServiceWithin' ? t('rServiceWithinHint') : undefined,
        }, t(c))))),
        h('tbody', {}, r.rows.map((x) => h('tr', { 'data-service': x.service, 'data-counter': num(x.counter), 'data-officer': x.officer ?? '' },
          h('td', {}, x.day), h('td', {}, `${x.service} · ${serviceName(x)}`), h('td', {}, num(x.counter)), h('td', {}, officer(x)),
          [x.issued, x.served, x.no_shows, x.cancelled, x.mean_wait_minutes, x.mean_service_minutes]
            .map((v) => h('td', { class: 'num' }, num(v))),
          h('td', { class: 'num within' }, share(x.target)),
          h('td', { class: 'num service-within' }, share(x.service_target)),
          h('td', { class: 'num' }, num(x.ratings)),
          h('td', { class: 'num levels' }, levels(x.rating_counts)),
          h('td', { class: 'num satisfaction' }, x.satisfaction === null ? '' : `${x.satisfaction}%`),
          h('td', { class: 'num mean-rating' }, num(x.mean_rating))))))),
      totals('totals-service', 'rByService', r.by_service, (x) => `${x.key} · ${lang === 'en' ? english.get(x.key) || x.name : x.name}`),
      totals('totals-officer', 'rByOfficer', r.by_officer, (x) => (x.key ? x.name : t('rNeverCalled'))),
      totals('totals-day', 'rByDay', r.by_day, (x) => x.key));
    } catch (e) {
      err.show(e);
    }
  };
  const download = (format) => {
    // A plain navigation: the session cookie authenticates the GET.
    const a = h('a', { href: url(format), download: '' });
    document.body.append(a);
    a.click();
    a.remove();
  };
  main.append(h('div', { class: 'card wide' },
    h('h2', {}, t('navReports')),
    h('div', { class: 'row' }, from, to),
    err,
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: show }, t('show')),
      h('button', { type: 'button', id: 'csv', onclick: () => download('csv') }, t('downloadCsv')),
      h('button', { type: 'button', id: 'xlsx', onclick: () => download('xlsx') }, t('downloadXlsx'))),
    out));
  await show();
}
