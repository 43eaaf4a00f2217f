// axe-core (npm, injected into each page) on every page at 1920x1080,
// 1080x1920 and 360x740: no critical and no serious violation. Pages are
// checked in the state a person meets them: the board with calls, the kiosk's
// services and its priority question, the portal's steps, the ticket page, the
// counter console signed in, the rating tablet asking, the admin page's
// sections, the pairing page.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { api, BASE, KIOSK_TOKEN, launch, RATING_TOKEN } from './lib.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const VIEWPORTS = [[1920, 1080], [1080, 1920], [360, 740]];

let browser;
let ticket;
let staffPassword;
before(async () => {
  browser = await launch(['--autoplay-policy=no-user-gesture-required']);
  // Something to show: tickets waiting and called, one of them the ticket page's.
  ticket = (await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' }, KIOSK_TOKEN)).body;
  for (const s of ['B', 'C', 'D']) await api('POST', '/api/v1/centres/mo-cay/tickets', { service: s });
  await api('POST', '/api/v1/centres/mo-cay/counters/2/call-next', {});
  await api('POST', '/api/v1/centres/mo-cay/counters/3/call-next', {});
  // Accounts of this test's own (sign-ins are limited per username).
  staffPassword = 'mật khẩu dài để kiểm tra';
  for (const [username, role, counters] of [['a11y-admin', 'admin', null], ['a11y-quay', 'staff', [1]]]) {
    const r = await api('POST', '/api/v1/admin/staff', {
      username, display_name: username, role, centre: 'mo-cay', counters, password: staffPassword,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
});
after(() => browser?.close());

/** The serious and critical violations on the page as it is now. */
async function violations(page) {
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'critical' || v.impact === 'serious');
}

async function signIn(page, path, formSelector, username) {
  await page.goto(`${BASE}${path}`);
  await page.waitForSelector(`${formSelector}:not([hidden])`);
  await page.fill(`${formSelector} [name=username]`, username);
  await page.fill(`${formSelector} [name=password]`, staffPassword);
  await page.click(`${formSelector} button[type=submit]`);
}

/** Each page, opened and brought to the state to check: [name, async (page) => void]. */
const PAGES = [
  ['board', async (p) => { await p.goto(`${BASE}/display`); await p.waitForFunction(() => window.luotDisplay?.state); }],
  ['counter screen', async (p) => { await p.goto(`${BASE}/display/counter/2`); await p.waitForFunction(() => document.querySelector('#number')?.textContent.trim()); }],
  ['kiosk services', async (p) => { await p.goto(`${BASE}/kiosk#token=${KIOSK_TOKEN}`); await p.waitForSelector('#services .service'); }],
  ['kiosk priority question', async (p) => {
    await p.goto(`${BASE}/kiosk#token=${KIOSK_TOKEN}`);
    await p.click('#services .service[data-service="B"]');
    await p.waitForSelector('#screen-priority.active');
  }],
  ['portal services', async (p) => { await p.goto(`${BASE}/`); await p.waitForSelector('[data-testid=service-A]'); }],
  ['portal details with errors', async (p) => {
    await p.goto(`${BASE}/`);
    await p.click('[data-testid=service-A]');
    const info = (await api('GET', '/api/v1/centres/mo-cay/booking')).body;
    await p.click(`[data-testid="date-${info.today}"]`);
    await p.click('[data-testid="slot-10:30"]');
    await p.click('[data-testid=submit]');
    await p.waitForSelector('.field-error');
  }],
  ['portal lookup', async (p) => { await p.goto(`${BASE}/#/lookup`); await p.waitForSelector('[data-testid=find]'); }],
  ['ticket page', async (p) => { await p.goto(`${BASE}/t/${ticket.token}`); await p.waitForFunction(() => window.luotTicket?.ticket); }],
  ['counter console', async (p) => {
    await signIn(p, '/counter', '#login', 'a11y-quay');
    await p.waitForSelector('#desk:not([hidden])');
  }],
  ['rating tablet asking', async (p) => {
    await p.goto(`${BASE}/rate/1#token=${RATING_TOKEN}`);
    await p.waitForSelector('#idle:not([hidden])');
    // Following the centre's events (its first snapshot is in) before the completion.
    await p.waitForFunction(() => window.luotRate?.stream?.lastId != null);
    await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' });
    await api('POST', '/api/v1/centres/mo-cay/counters/1/call-next', {});
    await api('POST', '/api/v1/centres/mo-cay/counters/1/start', {});
    await api('POST', '/api/v1/centres/mo-cay/counters/1/complete', {});
    await p.waitForSelector('#prompt:not([hidden])');
  }],
  ['admin sign-in', async (p) => { await p.goto(`${BASE}/admin`); await p.waitForSelector('#login:not([hidden])'); }],
  // A rating tablet's link: the page stays to ask for the counter (a kiosk's moves on to /kiosk).
  ['pairing page', async (p) => { await p.goto(`${BASE}/pair#token=${RATING_TOKEN}`); await p.waitForSelector('#open:not([hidden])'); }],
];

const ADMIN_SECTIONS = ['today', 'settings', 'services', 'counters', 'staff', 'devices', 'priority', 'booking', 'holidays', 'ticket', 'webhooks', 'reports'];

for (const [width, height] of VIEWPORTS) {
  test(`axe at ${width}x${height}: no critical or serious violation on any page`, async () => {
    const context = await browser.newContext({ viewport: { width, height } });
    const found = {};
    for (const [name, open] of PAGES) {
      const page = await context.newPage();
      await open(page);
      const v = await violations(page);
      if (v.length) found[name] = v;
      await page.close();
    }
    // Every section of the admin page, signed in once.
    const admin = await context.newPage();
    await signIn(admin, '/admin', '#login-form', 'a11y-admin');
    for (const section of ADMIN_SECTIONS) {
      await admin.click(`#nav [data-section=${section}]`);
      await admin.waitForSelector(`#main[data-ready=${section}]`);
      const v = await violations(admin);
      if (v.length) found[`admin ${section}`] = v;
    }
    await context.close();
    assert.deepEqual(found, {}, JSON.stringify(found));
  });
}
