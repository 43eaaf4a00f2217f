// Issue #17's screens in Chromium: the admin's "Hôm nay" page (live figures
// per service and counter, a service past its target highlighted, refreshes
// bounded under a burst, the stream closed when the section is left), the
// counter console's over-target highlight, the portal home's live line per
// service, the webhooks page (create, a delivery received by a local listener,
// delete), and the rating tablet's evaluation link as a QR code.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { ACCOUNTS, api, BASE, KIOSK_TOKEN, launch, screenshot, setNow } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

/** The admin page signed in as the demo administrator (it opens on "Hôm nay"). */
async function admin(hash = '') {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  page.sockets = [];
  page.on('websocket', (ws) => page.sockets.push(ws));
  await page.goto(`${BASE}/admin${hash}`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-form [name=username]', 'admin');
  await page.fill('#login-form [name=password]', ACCOUNTS.admin);
  await page.click('#login-form button[type=submit]');
  return page;
}

const issue = (service) => api('POST', '/api/v1/centres/mo-cay/tickets', { service }, KIOSK_TOKEN);
const cell = (page, service, cls) => page.textContent(`#today-services tr[data-service=${service}] td.${cls}`);

test('"Hôm nay": waiting and longest wait per service, a service past its target highlighted, counters by activity', async () => {
  const page = await admin();
  const { sockets } = page;
  await page.waitForSelector('#main[data-ready=today] #today-services tr[data-service=A]');
  assert.equal(await page.getAttribute('#nav button.active', 'data-section'), 'today', 'first in the menu, and the landing page');
  assert.equal(await cell(page, 'A', 'waiting'), '0');

  // Two A tickets at 09:00: the page follows the event stream.
  for (let i = 0; i < 2; i += 1) assert.equal((await issue('A')).status, 201);
  await page.waitForFunction(() => document.querySelector('#today-services tr[data-service=A] td.waiting')?.textContent === '2');
  assert.equal(await page.locator('#today-services tr.over').count(), 0);

  // 40 minutes later A's longest wait is past its 30-minute target.
  await setNow('2026-11-26T02:40:00Z');
  assert.equal((await issue('B')).status, 201);
  await page.waitForSelector('#today-services tr[data-service=A].over');
  assert.equal(await cell(page, 'A', 'longest'), '40');
  assert.match(await page.textContent('#today-services tr[data-service=A]'), /Quá chỉ tiêu/);
  assert.equal(await page.locator('#today-services tr[data-service=B].over').count(), 0, 'B waited 0 minutes');

  // Counter 1 calls A001 (40 minutes: not within target): serving 1, A 0 %.
  assert.equal((await api('POST', '/api/v1/centres/mo-cay/counters/1/call-next', {})).status, 200);
  await page.waitForFunction(() => document.querySelector('#today-counters [data-activity=serving] strong')?.textContent === '1');
  assert.equal(await cell(page, 'A', 'within'), '0%');
  assert.equal(await page.textContent('#today-counter-list li[data-counter="1"] .pill'), 'Đang phục vụ');
  await screenshot(page, 'admin-today');

  // A burst of 15 tickets costs a bounded number of fetches (one per 3 s at most).
  const fetches = [];
  page.on('request', (r) => { if (r.url().includes('/stats/live')) fetches.push(Date.now()); });
  const start = Date.now();
  await Promise.all(Array.from({ length: 15 }, () => issue('C')));
  await page.waitForFunction(() => document.querySelector('#today-services tr[data-service=C] td.waiting')?.textContent === '15');
  const allowed = 2 + Math.ceil((Date.now() - start) / 3000);
  assert.ok(fetches.length <= allowed, `${fetches.length} fetches for a burst of 15 (at most ${allowed})`);

  // Leaving the section closes its stream.
  assert.ok(sockets.length >= 1);
  await page.click('#nav [data-section=settings]');
  await page.waitForSelector('#main[data-ready=settings]');
  await new Promise((r) => { if (sockets.at(-1).isClosed()) r(); else sockets.at(-1).on('close', r); });
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the counter console highlights a service it serves past its target', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${BASE}/counter`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login [name=username]', 'quay4');
  await page.fill('#login [name=password]', ACCOUNTS.quay4);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#desk:not([hidden])');
  // A002 has waited 40 minutes (the clock moved in the test before); quay4 serves D, F and A.
  await page.waitForSelector('table.waiting.over[data-service=A]');
  assert.match(await page.textContent('#over-target'), /Quá thời gian chờ chỉ tiêu: A · .*chờ lâu nhất 40\/30 phút/);
  assert.equal(await page.locator('table.waiting.over[data-service=D]').count(), 0);
  await screenshot(page, 'counter-over-target');
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('the portal home shows per service how many wait and about how long', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/stats/live')) asked.push(r.url()); });
  await page.goto(`${BASE}/#/`);
  await page.waitForFunction(() => document.querySelector('[data-testid=live-C]')?.textContent.length > 0);
  assert.match(await page.textContent('[data-testid=live-C]'), /^Đang chờ: 15 người · chờ khoảng \d+ phút$/);
  assert.equal(await page.textContent('[data-testid=live-F]'), 'Không có ai chờ');
  // No personal data in what the page reads: counts and minutes.
  const live = (await api('GET', '/api/v1/centres/mo-cay/stats/live', undefined, '')).body;
  assert.deepEqual(Object.keys(live.services[0]).sort(), ['eta_minutes', 'longest_wait_minutes', 'name', 'name_en', 'no_shows_today',
    'over_target', 'served_today', 'service', 'service_within_target_percent', 'target_service_minutes', 'target_wait_minutes', 'waiting',
    'within_target_percent']);
  await page.click('[data-testid=lang]');
  await page.waitForFunction(() => /^Waiting: 15 · about \d+ min$/.test(document.querySelector('[data-testid=live-C]')?.textContent));
  assert.equal(asked.length, 1, 'one fetch, not one per render');
  await screenshot(page, 'portal-live');
  assert.deepEqual(errors, []);
  await page.close();
});

test('webhooks page: create a hook, see its deliveries reach a local listener, delete it', async () => {
  const received = [];
  const listener = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ event: req.headers['x-luot-event'], signature: req.headers['x-luot-signature'], body }); res.end('ok'); });
  });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${listener.address().port}/luot`;
  try {
    const page = await admin('#webhooks');
    await page.waitForSelector('#main[data-ready=webhooks] #webhook-form');
    assert.match(await page.textContent('#webhooks'), /Chưa có webhook nào/);
    // A short secret is refused with the API's message.
    await page.fill('#webhook-form [name=url]', url);
    await page.check('#webhook-form [data-event="ticket.issued"]');
    await page.fill('#webhook-form [name=secret]', 'short');
    await page.click('#webhook-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#webhook-form .error')?.dataset.code === 'invalid_webhook');
    assert.match(await page.textContent('#webhook-form .error'), /Khóa bí mật dài từ 16 đến 200 ký tự/);
    await page.click('#new-secret');
    assert.equal((await page.inputValue('#webhook-form [name=secret]')).length, 64);
    assert.equal(await page.isChecked('#webhook-form [name=personal_data]'), false, 'personal data unticked by default');
    await page.click('#webhook-form button[type=submit]');
    await page.waitForSelector('#webhooks article.hook');
    const hooks = (await api('GET', '/api/v1/admin/centres/mo-cay/webhooks')).body;
    assert.equal(hooks.length, 1);
    assert.equal(hooks[0].url, url);
    assert.deepEqual(hooks[0].events, ['ticket.called', 'ticket.issued', 'ticket.rated']);
    assert.equal(hooks[0].personal_data, false);
    assert.match(await page.textContent('#webhooks article.hook'), /Không có dữ liệu cá nhân/);

    // A ticket: the listener gets a signed ticket.issued; the page lists it as delivered.
    assert.equal((await issue('E')).status, 201);
    const deadline = Date.now() + 10_000;
    while (!received.some((r) => r.event === 'ticket.issued') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const got = received.find((r) => r.event === 'ticket.issued');
    assert.ok(got, 'ticket.issued delivered');
    assert.match(got.signature, /^sha256=[0-9a-f]{64}$/);
    await page.waitForFunction(async () => {
      const r = await fetch('/api/v1/admin/centres/mo-cay/webhooks');
      return (await r.json())[0].deliveries.some((d) => d.status === 'delivered');
    });
    await page.click('#nav [data-section=webhooks]');
    await page.waitForSelector('#webhooks tr[data-status=delivered]');
    assert.match(await page.textContent('#webhooks tr[data-status=delivered]'), /ticket\.issued.*Đã gửi.*HTTP 200/);
    await screenshot(page, 'admin-webhooks');

    // Delete, confirmed.
    page.once('dialog', (d) => d.accept());
    await page.click('#webhooks [data-remove]');
    await page.waitForFunction(() => /Chưa có webhook nào/.test(document.querySelector('#webhooks')?.textContent ?? ''));
    assert.deepEqual((await api('GET', '/api/v1/admin/centres/mo-cay/webhooks')).body, []);
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    listener.close();
  }
});

test('the rating tablet shows the dossier\'s evaluation link as a QR code and a link', async () => {
  const cfg = (await api('GET', '/api/v1/admin/centres/mo-cay')).body;
  const template = 'https://dichvucong.example.vn/danh-gia?ma={dossier_code}';
  assert.equal((await api('PUT', '/api/v1/admin/centres/mo-cay/settings', { ...cfg.centre, evaluation_url_template: template })).status, 200);
  const tablet = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const errors = [];
  tablet.on('pageerror', (e) => errors.push(e));
  // A tablet rates at its own counter only: one registered at counter 3.
  const device = await api('POST', '/api/v1/devices', { kind: 'rating', name: 'Máy đánh giá quầy 3', centre: 'mo-cay', counter: 3 });
  assert.equal(device.status, 201);
  await tablet.goto(`${BASE}/rate/3#token=${device.body.token}`);
  await tablet.waitForFunction(() => window.luotRate?.stream?.lastId != null);
  const k = '/api/v1/centres/mo-cay/counters/3';
  // Counter 3 serves the C tickets of the burst; the first gets a dossier code.
  for (const action of ['call-next', 'start']) assert.equal((await api('POST', `${k}/${action}`, {})).status, 200, action);
  assert.equal((await api('POST', `${k}/dossiers`, { code: 'H37.12-0001' })).status, 201);
  const done = await api('POST', `${k}/complete`, {});
  assert.equal(done.status, 200);
  await tablet.waitForSelector('#prompt:not([hidden]) ~ #evaluation-box #evaluation:not([hidden])');
  assert.equal(await tablet.getAttribute('#evaluation-link', 'href'), 'https://dichvucong.example.vn/danh-gia?ma=H37.12-0001');
  assert.match(await tablet.getAttribute('#evaluation-qr', 'src'), /^data:image\/svg\+xml;charset=utf-8,%3C/);
  // The QR code renders (the CSP allows data: images).
  assert.ok(await tablet.$eval('#evaluation-qr', (img) => img.complete && img.naturalWidth > 0));
  await screenshot(tablet, 'rate-evaluation');
  // Rated: the thanks screen keeps the link to scan.
  await tablet.click('#levels button[data-rating="5"]');
  await tablet.click('#send');
  await tablet.waitForSelector('#thanks:not([hidden])');
  assert.equal(await tablet.isVisible('#evaluation'), true);
  // Without a dossier code there is no link.
  for (const action of ['call-next', 'start', 'complete']) assert.equal((await api('POST', `${k}/${action}`, {})).status, 200, action);
  await tablet.waitForSelector('#prompt:not([hidden])');
  await tablet.waitForFunction(() => document.querySelector('#evaluation').hidden);
  assert.deepEqual(errors, []);
  await tablet.context().close();
});
