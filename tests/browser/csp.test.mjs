// Every page loads under the server's Content-Security-Policy ('self' only, no
// inline script or style) with no violation and no script error, and says it
// may not be framed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, BASE, KIOSK_TOKEN, launch, RATING_TOKEN } from './lib.mjs';

let browser;
let ticket;
before(async () => {
  browser = await launch();
  ticket = (await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' }, KIOSK_TOKEN)).body;
  await api('POST', '/api/v1/centres/mo-cay/counters/1/call-next', {});
});
after(() => browser?.close());

const PAGES = () => [
  ['/', '[data-testid=service-A]'],
  ['/#/lookup', '[data-testid=find]'],
  [`/t/${ticket.token}`, null],
  [`/kiosk#token=${KIOSK_TOKEN}`, '#services .service'],
  ['/display', null],
  ['/display/counter/1', null],
  ['/counter', null],
  [`/rate/1#token=${RATING_TOKEN}`, null],
  ['/admin', '#login:not([hidden])'],
  [`/pair#token=${RATING_TOKEN}`, '#open:not([hidden])'],
];

test('pages load with no CSP violation and may not be framed', async () => {
  for (const [path, ready] of PAGES()) {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.exposeFunction('reportViolation', (v) => problems.push(v));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        // eslint-disable-next-line no-undef
        reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    const response = await page.goto(`${BASE}${path}`);
    const headers = response.headers();
    assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, path);
    assert.match(headers['content-security-policy'] ?? '', /default-src 'self'/, path);
    assert.equal(headers['x-frame-options'], 'DENY', path);
    assert.equal(headers['x-content-type-options'], 'nosniff', path);
    if (ready) await page.waitForSelector(ready);
    await page.waitForLoadState('networkidle').catch(() => {});
    assert.deepEqual(problems, [], `${path}: ${problems.join('; ')}`);
    await page.close();
  }
});
