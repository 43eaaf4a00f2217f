// The admin page (/admin) in headless Chromium: sign in as the demo
// administrator, change a service's opening hours through the form, and see the
// change in the public services API; a bad form shows the API's message; the
// English switch relabels the page; the report shows a served ticket's rating.
// Staff accounts made on the page can sign in (and not once deactivated); the
// devices page tells a kiosk's printer trouble in plain words as its print
// agent reports it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ACCOUNTS, api, BASE, KIOSK_TOKEN, kioskAgent, launch, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(() => browser?.close());

async function services() {
  const r = await fetch(`${BASE}/api/v1/centres/mo-cay/services`);
  assert.equal(r.status, 200);
  return r.json();
}

test('an administrator changes a service\'s hours and the API shows it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${BASE}/admin#settings`);

  // Signed out: the login form. A wrong password gets the API's message.
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-form [name=username]', 'admin');
  await page.fill('#login-form [name=password]', 'wrong password');
  await page.click('#login-form button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#login-form .error').textContent.length > 0);
  assert.match(await page.textContent('#login-form .error'), /Sai tên đăng nhập hoặc mật khẩu/);

  assert.ok(ACCOUNTS.admin, 'the runner passes the demo admin password');
  await page.fill('#login-form [name=password]', ACCOUNTS.admin);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#main[data-ready=settings]');
  assert.equal(await page.inputValue('#settings-form [name=name]'), 'Trung tâm Phục vụ Hành chính công xã Mỏ Cày');

  const before = await services();
  assert.equal(before.find((s) => s.code === 'A').open_now, true, '09:00 on a Thursday');

  // Services: edit A, give it its own afternoon hours.
  await page.click('#nav [data-section=services]');
  await page.waitForSelector('#main[data-ready=services] #services');
  await page.click('#services [data-edit=A]');
  const form = page.locator('form[data-service=A]');
  await form.locator('[name=own_hours]').check();
  await form.locator('[data-session="0-start"]').fill('17:00');
  await form.locator('[data-session="0-end"]').fill('13:30');
  await form.locator('button[type=submit]').click();
  // The API refuses hours that end before they start; the form says so.
  await page.waitForFunction(() => document.querySelector('form[data-service=A] .error')?.dataset.code === 'invalid');
  assert.match(await form.locator('.error').textContent(), /Giá trị không hợp lệ/);

  await form.locator('[data-session="0-start"]').fill('13:30');
  await form.locator('[data-session="0-end"]').fill('17:00');
  await form.locator('.sessions div:nth-child(2) button').click();
  await form.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('#services tr[data-service=A]')?.textContent.includes('13:30–17:00'));

  const after = await services();
  const a = after.find((s) => s.code === 'A');
  assert.equal(a.open_now, false, 'A now opens at 13:30');
  assert.equal(after.find((s) => s.code === 'B').open_now, true, 'B keeps the centre hours');
  const config = await page.evaluate(() => window.luotAdmin.config.services.find((s) => s.code === 'A').hours);
  assert.deepEqual(config, { sessions: [['13:30:00', '17:00:00']], working_days: ['mon', 'tue', 'wed', 'thu', 'fri'] });

  // English.
  await page.click('#lang');
  await page.waitForSelector('#main[data-ready=services]');
  assert.equal(await page.textContent('#nav [data-section=services]'), 'Services');
  await screenshot(page, 'admin-services');

  // Reports: the figures table renders for today.
  await page.click('#nav [data-section=reports]');
  await page.waitForSelector('#main[data-ready=reports]');

  // ...with the ratings joined: a B ticket served at counter 2 and rated 4
  // (hài lòng) is 1 rating, 0/1/0/0/0 by level, 100 % satisfied, mean 4.
  // B gets a 10-minute target service time: the ticket, served at once, is within it.
  const b = (await api('GET', '/api/v1/admin/centres/mo-cay')).body.services.find((s) => s.code === 'B');
  assert.equal((await api('PUT', '/api/v1/admin/centres/mo-cay/services/B', { ...b, target_service_minutes: 10 })).status, 200);
  const ticket = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'B' }, KIOSK_TOKEN);
  assert.equal(ticket.status, 201);
  for (const action of ['call-next', 'start', 'complete']) {
    assert.equal((await api('POST', `/api/v1/centres/mo-cay/counters/2/${action}`, {})).status, 200, action);
  }
  const rated = await api('POST', `/api/v1/tickets/${ticket.body.token}/feedback`, { rating: 4 }, '');
  assert.equal(rated.status, 201);
  await page.fill('#main input[name=from]', '2026-11-26');
  await page.fill('#main input[name=to]', '2026-11-26');
  await page.click('#main button.primary');
  const row = '#report tr[data-service=B][data-counter="2"]';
  await page.waitForSelector(row);
  const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(cells.slice(12), ['1', '0 / 1 / 0 / 0 / 0', '100%', '4']);
  assert.equal(await page.textContent('#report th:nth-child(15)'), 'Satisfied (%)');
  // The officer who called it, B's 30-minute target wait met, and its
  // 10-minute target service time.
  assert.equal(cells[3], 'Quản trị viên');
  assert.equal(cells[10], '1/1 · 100%');
  assert.equal(cells[11], '1/1 · 100%');
  assert.equal(await page.textContent('#report th:nth-child(12)'), 'Served within target time');
  assert.match(await page.textContent('#totals-service tr[data-key=B] td.service-within'), /1\/1 · 100%/);
  // Totals per service, officer and day.
  assert.match(await page.textContent('#totals-officer tr[data-key=admin]'), /Quản trị viên/);
  assert.match(await page.textContent('#totals-service tr[data-key=B] td.within'), /100%/);
  assert.equal(await page.locator('#totals-day tr[data-key="2026-11-26"]').count(), 1);
  // In English the service is named in English too, not left in Vietnamese.
  assert.equal(cells[1], 'B · Certification of copies and signatures');
  // The table has the width of the screen, not a third of it for thirteen columns.
  const width = await page.$eval('#report', (t) => t.getBoundingClientRect().width);
  assert.ok(width > 1100, `report table ${width} px wide`);

  // The default dates are the centre's today, not the browser's: at 18:00 UTC
  // on 30 November it is already 1 December in Viet Nam. (The same session: one
  // more sign-in would trip the per-username login limit of this file's tests.)
  await page.context().clock.setFixedTime(new Date('2026-11-30T18:00:00Z'));
  await page.reload();
  await page.waitForSelector('#main[data-ready=reports]');
  assert.equal(await page.inputValue('#main input[name=to]'), '2026-12-01');
  assert.equal(await page.inputValue('#main input[name=from]'), '2026-12-01');
  await screenshot(page, 'admin-reports');
  assert.deepEqual(errors, []);
});

/** A page signed in as the demo administrator, on `section`. */
async function signedIn(section) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e));
  await page.goto(`${BASE}/admin#${section}`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-form [name=username]', 'admin');
  await page.fill('#login-form [name=password]', ACCOUNTS.admin);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector(`#main[data-ready=${section}]`);
  return page;
}

async function login(username, password) {
  const r = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return { status: r.status, body: await r.json() };
}

test('an administrator makes a staff account on the page, and it signs in until deactivated', async () => {
  const page = await signedIn('staff');
  page.on('dialog', (d) => d.accept());
  assert.match(await page.textContent('#accounts tr[data-account=quay1]'), /Cán bộ.*mo-cay.*1.*Đang hoạt động/);
  // The signed-in administrator cannot demote or deactivate themselves.
  await page.click('#accounts [data-edit=admin]');
  assert.equal(await page.isDisabled('form[data-account=admin] [name=role]'), true);
  assert.equal(await page.locator('form[data-account=admin] [data-action=deactivate]').count(), 0);

  await page.click('#new-account');
  const form = page.locator('form[data-account=new]');
  await form.locator('[name=username]').fill('lan.tran');
  await form.locator('[name=display_name]').fill('Trần Thị Lan');
  await form.locator('[data-counter="2"]').check();
  await form.locator('[name=password]').fill('ngắn');
  await form.locator('button[type=submit]').click();
  // A short password: the API's message, in Vietnamese.
  await page.waitForFunction(() => document.querySelector('form[data-account=new] .error')?.dataset.code === 'weak_password');
  assert.match(await form.locator('.error').textContent(), /Mật khẩu phải dài/);
  await form.locator('[name=password]').fill('mật khẩu của Lan');
  await screenshot(page, 'admin-staff-form');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('#accounts tr[data-account="lan.tran"]');
  const row = page.locator('#accounts tr[data-account="lan.tran"]');
  assert.match(await row.textContent(), /Trần Thị Lan.*Cán bộ.*mo-cay.*2.*Đang hoạt động/);
  await screenshot(page, 'admin-staff');

  const first = await login('lan.tran', 'mật khẩu của Lan');
  assert.equal(first.status, 200);
  assert.deepEqual([first.body.staff.role, first.body.staff.counters], ['staff', [2]]);

  // Deactivated on the page: sign-in refused.
  await row.locator('[data-edit]').click();
  await page.click('form[data-account="lan.tran"] [data-action=deactivate]');
  await page.waitForFunction(() => document.querySelector('#accounts tr[data-account="lan.tran"]')?.textContent.includes('Ngừng sử dụng'));
  assert.equal((await login('lan.tran', 'mật khẩu của Lan')).status, 401);
  assert.deepEqual(page.errors, []);
});

test('the devices page shows a kiosk\'s printer trouble and lost connection in plain words', async () => {
  const page = await signedIn('devices');
  const printer = page.locator('#devices tr[data-kind=kiosk] [data-printer]');
  assert.equal(await printer.textContent(), 'Chưa kết nối lần nào');

  // The print agent connects and reports no paper; the page catches up by itself.
  const agent = await kioskAgent();
  agent.send({ type: 'hello', printer: 'paper_out', paper: '80', version: 'test' });
  await page.waitForSelector('#devices tr[data-kind=kiosk] [data-printer=paper_out]', { timeout: 20_000 });
  assert.equal(await printer.textContent(), 'Hết giấy');
  // Last contact on the centre's clock: 09:00 in Viet Nam.
  assert.match(await page.textContent('#devices tr[data-kind=kiosk]'), /09:00:00 26\/11\/2026/);
  await screenshot(page, 'admin-devices');

  await agent.close();
  await page.waitForSelector('#devices tr[data-kind=kiosk] [data-printer=disconnected]', { timeout: 20_000 });
  assert.equal(await printer.textContent(), 'Mất kết nối');
  await page.click('#lang');
  await page.waitForSelector('#main[data-ready=devices] #devices');
  assert.equal(await printer.textContent(), 'Connection lost');
  assert.deepEqual(page.errors, []);
});

test('booking rules and documents to bring are edited on the page; a new device pairs by its QR link', async () => {
  // An administrator of its own (the demo admin's sign-ins are limited per username).
  const password = 'mật khẩu dài cho quản trị 2';
  const made = await api('POST', '/api/v1/admin/staff', {
    username: 'quantri2', display_name: 'Quản trị 2', role: 'admin', centre: 'mo-cay', counters: null, password,
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${BASE}/admin#settings`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login-form [name=username]', 'quantri2');
  await page.fill('#login-form [name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#main[data-ready=settings]');

  // Booking: service C gets 20-minute slots and its documents to bring.
  await page.click('#nav [data-section=booking]');
  await page.waitForSelector('#main[data-ready=booking] form[data-service=C]');
  const c = page.locator('form[data-service=C]');
  await c.locator('[name=slotMinutes]').fill('20');
  await c.locator('[name=bring_note]').fill('CCCD và giấy chứng nhận quyền sử dụng đất');
  await c.locator('[name=bring_note_en]').fill('ID card and land use certificate');
  await c.locator('button[type=submit]').click();
  await page.waitForFunction(() => !document.getElementById('toast').hidden);
  const rules = page.locator('#booking-rules');
  await rules.locator('[name=perDay]').fill('3');
  await rules.locator('button[type=submit]').click();
  await page.waitForFunction(async () => {
    const info = await (await fetch('/api/v1/centres/mo-cay/booking')).json();
    return info.rules.limits.per_day === 3;
  });
  const info = (await api('GET', '/api/v1/centres/mo-cay/booking')).body;
  const settings = info.services.find((s) => s.code === 'C').settings;
  assert.equal(settings.slot_minutes, 20);
  assert.equal(settings.bring_note_en, 'ID card and land use certificate');
  // A value out of range is refused with the API's message next to the form.
  await c.locator('[name=capacity]').evaluate((e) => { e.value = '0'; e.removeAttribute('min'); });
  await c.locator('button[type=submit]').click();
  await page.waitForFunction(() => document.querySelector('form[data-service=C] .error')?.dataset.code === 'invalid');

  // The ticket page shows the documents to bring while the citizen waits.
  const ticket = (await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'C' }, KIOSK_TOKEN)).body;
  const phone = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await phone.goto(`${BASE}/t/${ticket.token}`);
  await phone.waitForSelector('#documents:not([hidden])');
  assert.equal(await phone.textContent('#documents-text'), 'CCCD và giấy chứng nhận quyền sử dụng đất');
  await phone.close();

  // Devices: a new rating tablet shows a QR code and its pairing link.
  await page.click('#nav [data-section=devices]');
  await page.waitForSelector('#main[data-ready=devices] #device-form');
  await page.selectOption('#device-form [name=kind]', 'rating');
  // A rating tablet is registered for one counter.
  await page.waitForSelector('#device-form [name=counter]', { state: 'visible' });
  await page.selectOption('#device-form [name=counter]', '2');
  await page.fill('#device-form [name=name]', 'Máy đánh giá quầy 2');
  await page.click('#device-form button[type=submit]');
  await page.waitForSelector('#pairing svg');
  const link = await page.getAttribute('#pairing-link', 'href');
  assert.match(link, /\/pair#token=luotd_/);
  await screenshot(page, 'admin-device-pairing');

  // The tablet opens the link: the token never travels in a URL, leaves the
  // address bar, and the tablet lands on the rating page of its counter.
  const tablet = await (await browser.newContext({ viewport: { width: 800, height: 1280 } })).newPage();
  const token = new URL(link).hash.slice('#token='.length);
  const urls = [];
  tablet.on('request', (r) => urls.push(r.url()));
  await tablet.goto(link);
  await tablet.waitForSelector('#idle:not([hidden])');
  assert.equal(new URL(tablet.url()).hash, '');
  assert.equal(new URL(tablet.url()).pathname, '/rate/2');
  assert.equal(await tablet.evaluate(() => localStorage.getItem('luot.rating.token')), token);
  assert.ok(urls.every((u) => !u.includes(token)), 'the token was in no request URL');
  await tablet.context().close();
  assert.deepEqual(errors, []);
  await page.close();
});
