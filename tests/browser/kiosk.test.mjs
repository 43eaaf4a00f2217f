// The kiosk page (/kiosk) in headless Chromium, opened with the kiosk device's
// link (#token=…): a tap on a service shows the number and the ticket image,
// and the ticket is queued for the kiosk's printer. No print agent runs here,
// so the page must say that tickets will not print and suggest photographing
// the QR. Screenshots in portrait (1080x1920) and landscape (1920x1080).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, BASE, fakeNotifier, KIOSK_TOKEN, launch, screenshot, setNow } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

const kioskState = async () => (await api('GET', '/api/v1/kiosks/me', undefined, KIOSK_TOKEN)).body;

async function openKiosk(viewport, options = {}) {
  const page = await browser.newPage({ viewport, ...options });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // Console errors too (a failed request, such as a missing /favicon.ico, logs one).
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${BASE}/kiosk#token=${encodeURIComponent(KIOSK_TOKEN)}`);
  await page.waitForSelector('#services .service[data-service="A"]');
  return { page, errors };
}

/**
 * Runs the page's installed clock 10 s at a time until the start screen shows
 * (at most until 300 s); returns the seconds passed, counting from `from`.
 */
async function untilStart(page, from) {
  let waited = from;
  while (!(await page.isVisible('#screen-start')) && waited < 300) {
    await page.clock.runFor(10_000);
    await page.waitForTimeout(100);
    waited += 10;
  }
  return waited;
}

test('a token in the query (?token=) is not taken: it reached the server, so the kiosk stays unregistered and the address is wiped', async () => {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 } });
  const page = await context.newPage();
  await page.goto(`${BASE}/kiosk?token=${encodeURIComponent(KIOSK_TOKEN)}`);
  await page.waitForSelector('#banner:not([hidden])');
  assert.match(await page.textContent('#banner'), /chưa được đăng ký.*\/pair#token=/);
  assert.doesNotMatch(page.url(), /token=/);
  assert.equal(await page.evaluate(() => localStorage.getItem('luot.kiosk.token')), null);
  await context.close();
});

for (const [name, viewport] of [['portrait', { width: 1080, height: 1920 }], ['landscape', { width: 1920, height: 1080 }]]) {
  test(`${name}: a tap issues a ticket shown with its image and queued for the printer`, async () => {
    const { page, errors } = await openKiosk(viewport);
    // The token left the address bar and stays on the device.
    assert.doesNotMatch(page.url(), /token=/);
    assert.equal(await page.evaluate(() => localStorage.getItem('luot.kiosk.token')), KIOSK_TOKEN);
    assert.equal(await page.textContent('#centre-name'), 'Trung tâm Phục vụ Hành chính công xã Mỏ Cày');
    // No luot-kiosk agent is connected: a notice at the top says so.
    await page.waitForSelector('#printer-notice:not([hidden])');
    assert.match(await page.textContent('#printer-notice'), /Máy in: chưa kết nối/);
    await screenshot(page, `kiosk-${name}-start`);

    const before = (await kioskState()).pending_jobs;
    await page.click('#services .service[data-service="A"]');
    // The demo centre has priority classes: the kiosk asks, "Không" is a normal ticket.
    await page.click('#priority-no');
    await page.waitForSelector('#screen-done.active');
    const number = await page.textContent('#done-number');
    assert.match(number, /^A\d{3}$/);
    const ticket = await page.evaluate(() => window.luotKiosk.lastTicket);
    assert.equal(ticket.number, number);
    assert.equal(ticket.channel, 'kiosk');
    // The ticket image (with its QR) has loaded, for a photograph if nothing prints.
    await page.waitForFunction(() => {
      const img = document.getElementById('done-ticket');
      return img.complete && img.naturalWidth === 576 && !img.hidden;
    });
    assert.match(await page.textContent('#done-print'), /Phiếu chưa in được \(chưa kết nối\)/);
    await screenshot(page, `kiosk-${name}-done`);

    // The kiosk's print job exists, waiting for its agent.
    assert.equal((await kioskState()).pending_jobs, before + 1);
    const status = await api('GET', `/api/v1/tickets/${ticket.token}`, undefined, '');
    assert.equal(status.status, 200);
    assert.equal(status.body.number, number);

    // "Done" returns to the services.
    await page.click('#screen-done [data-back]');
    await page.waitForSelector('#screen-start.active');
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('"báo sắp đến lượt": a phone typed on the keypad, sent only with its consent ticked, reaches the notifier; wiped at the return', async () => {
  const notifier = await fakeNotifier();
  try {
    const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/notice')) posts.push(r.postDataJSON()); });
    const take = async (service) => {
      await page.click(`#services .service[data-service="${service}"]`);
      await page.click('#priority-no');
      await page.waitForSelector('#screen-done.active');
      return page.evaluate(() => window.luotKiosk.lastTicket);
    };
    const type = async (digits) => {
      for (const d of digits) await page.click(`#notice-keypad [data-key="${d}"]`);
    };

    // Typed, but the consent box left unticked: nothing leaves the kiosk.
    const first = await take('D');
    await page.waitForSelector('#notice-open:not([hidden])');
    assert.equal(await page.textContent('#notice-open'), 'Nhắn tin cho tôi khi sắp đến lượt');
    await page.click('#notice-open');
    assert.equal(await page.isVisible('#done-ticket'), false, 'the box takes the ticket image\'s place');
    assert.equal(await page.textContent('#done-number'), first.number, 'the number stays on top');
    await type('0912345670');
    await page.click('#notice-keypad [data-key="erase"]');
    await type('8');
    assert.equal(await page.inputValue('#notice-phone'), '0912345678');
    assert.equal(await page.isChecked('#notice-consent'), false, 'the consent starts unticked');
    assert.match(await page.textContent('#notice-consent-text'), /chỉ để báo khi sắp đến lượt.*91\/2025\/QH15/);
    // Big keys for a finger.
    const key = await page.locator('#notice-keypad [data-key="5"]').boundingBox();
    assert.ok(key.width >= 80 && key.height >= 80, `key ${key.width}x${key.height}`);
    await screenshot(page, 'kiosk-notice');
    await page.click('#notice-send');
    assert.equal(await page.textContent('#notice-error'), 'Bạn cần đánh dấu ô đồng ý để nhận tin báo.');
    assert.deepEqual(posts, []);
    assert.equal((await api('GET', `/api/v1/tickets/${first.token}/notice`, undefined, '')).body.phone, null);
    // "Xong": back to the start, the phone wiped from the page.
    await page.click('#screen-done [data-back]');
    await page.waitForSelector('#screen-start.active');
    assert.equal(await page.inputValue('#notice-phone'), '');
    assert.equal(await page.isChecked('#notice-consent'), false);

    // Ticked (in English this time): sent with the kiosk as the source, never shown back.
    await page.click('#lang');
    const second = await take('D');
    await page.waitForSelector('#notice-open:not([hidden])');
    assert.equal(await page.textContent('#notice-open'), 'Text me when my turn is near');
    await page.click('#notice-open');
    assert.match(await page.textContent('#notice-consent-text'), /only to tell me when my turn is near/);
    await type('0987654321');
    await page.check('#notice-consent');
    await page.click('#notice-send');
    await page.waitForSelector('#notice-done:not([hidden])');
    assert.match(await page.textContent('#notice-done'), /the centre will text you when 50 people are ahead/);
    assert.equal(await page.isVisible('#done-ticket'), true, 'the ticket image is back');
    assert.equal(await page.inputValue('#notice-phone'), '');
    assert.doesNotMatch(await page.textContent('body'), /0987|654321|\*\*\*/, 'a public screen never shows the phone');
    assert.deepEqual(posts, [{
      phone: '0987654321', consent: true, consent_version: 'notice-2026-12-v2', source: 'kiosk',
    }]);
    const near = await notifier.next((n) => n.event === 'notice.near' && n.body.number === second.number);
    assert.equal(near.body.phone, '0987654321');
    assert.equal((await api('GET', `/api/v1/tickets/${second.token}/notice`, undefined, '')).body.phone, '0987***321');
    assert.ok(!notifier.seen.some((n) => n.body.number === first.number), 'nothing for the unticked ticket');
    await page.click('#lang');

    // The screen still returns to the start by itself, the box open or not, and wipes it.
    await page.click('#screen-done [data-back]');
    await page.clock.install();
    await take('D');
    await page.waitForSelector('#notice-open:not([hidden])');
    await page.click('#notice-open');
    await type('0911');
    const waited = await untilStart(page, 0);
    assert.ok(waited >= 60 && waited < 300, `back to the start after ${waited} s`);
    assert.equal(await page.inputValue('#notice-phone'), '');
    assert.equal(await page.isVisible('#notice'), false);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await notifier.close();
  }
});

test('English switch and the check-in panel', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  // The printer's state arrives after the services.
  await page.waitForSelector('#printer-notice:not([hidden])');
  await page.click('#lang');
  assert.equal(await page.textContent('#screen-start h2'), 'Choose a service');
  assert.match(await page.textContent('#printer-notice'), /Printer: not connected/);
  await page.click('#checkin-path');
  await page.waitForSelector('#screen-checkin.active');
  // The booking work's panel when it is there, else a clear message.
  await page.waitForFunction(() => document.getElementById('checkin').textContent.trim().length > 0);
  await screenshot(page, 'kiosk-checkin');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the clock shows the centre\'s time whatever the kiosk PC\'s timezone', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 }, { timezoneId: 'America/New_York' });
  const centreTime = () => new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date()).replace(',', '');
  const before = centreTime();
  const shown = (await page.textContent('#clock')).replace(/^[^,]*, /, '');
  assert.ok([before, centreTime()].includes(shown), `${shown} is not the time in Asia/Ho_Chi_Minh (${before})`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('service first, then the priority question with a big "Không", and a way back on every step', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  await page.click('#services .service[data-service="C"]');
  await page.waitForSelector('#screen-priority.active');
  assert.equal(await page.textContent('#screen-priority h2'), 'Bạn có thuộc đối tượng ưu tiên không?');
  assert.match(await page.textContent('#priority-service'), /Đất đai/);
  // "Không" is the largest button on the screen.
  const area = (b) => b.width * b.height;
  const no = await page.locator('#priority-no').boundingBox();
  for (const b of await page.locator('#priority-classes button').all()) assert.ok(area(no) > area(await b.boundingBox()));
  await screenshot(page, 'kiosk-priority-question');
  // Back returns to the services, nothing issued.
  await page.click('#screen-priority [data-back]');
  await page.waitForSelector('#screen-start.active');
  assert.equal(await page.evaluate(() => window.luotKiosk.lastTicket), null);
  // "Không": a normal ticket.
  await page.click('#services .service[data-service="C"]');
  await page.click('#priority-no');
  await page.waitForSelector('#screen-done.active');
  assert.equal(await page.evaluate(() => window.luotKiosk.lastTicket.priority), null);
  // A class: a priority ticket for the service chosen first.
  await page.click('#screen-done [data-back]');
  await page.click('#services .service[data-service="A"]');
  await page.click('#priority-classes [data-priority="elderly"]');
  await page.waitForFunction(() => window.luotKiosk.lastTicket?.priority === 'elderly');
  assert.match(await page.evaluate(() => window.luotKiosk.lastTicket.number), /^A/);
  // Every screen but the first has a way back.
  const noBack = await page.$$eval('.screen:not(#screen-start)', (ss) => ss.filter((s) => !s.querySelector('[data-back]')).map((s) => s.id));
  assert.deepEqual(noBack, []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the number stays on screen until the ticket is printed', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  await page.clock.install();
  await page.click('#services .service[data-service="B"]');
  await page.click('#priority-no');
  await page.waitForSelector('#screen-done.active');
  // Nothing prints here (no agent): after the usual 15 s the number is still shown.
  await page.clock.runFor(20_000);
  assert.equal(await page.isVisible('#screen-done'), true);
  // It never prints: after a minute of trying, and a minute more to photograph
  // the QR, the kiosk goes back to the start (the polls run on the real network).
  const waited = await untilStart(page, 20);
  assert.ok(waited >= 120 && waited < 300, `back to the start after ${waited} s`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a booking is checked in by typing its code on the on-screen keypad', async () => {
  const slots = await api('GET', '/api/v1/centres/mo-cay/services/B/slots');
  const slot = slots.body.slots.find((s) => s.remaining > 0);
  const booked = await api('POST', '/api/v1/centres/mo-cay/appointments', {
    service: 'B', slot_start: slot.start, name: 'Trần Thị Bích', phone: '0933333333', consent: true,
  });
  assert.equal(booked.status, 201);
  const code = booked.body.code;
  // Ten minutes before the slot: inside the check-in window.
  await setNow(new Date(Date.parse(slot.start) - 10 * 60_000).toISOString());

  const { page, errors } = await openKiosk({ width: 1080, height: 1920 }, { hasTouch: true });
  await page.tap('#checkin-path');
  await page.waitForSelector('[data-testid=checkin-keypad]');
  // One heading, not the screen's and the panel's.
  assert.equal(await page.locator('#screen-checkin h2').count(), 1);
  // Every letter and digit of a booking code has a key; none that codes never use.
  const keys = await page.$$eval('.checkin-key', (ks) => ks.map((k) => k.dataset.key).filter((k) => k.length === 1).join(''));
  assert.equal(keys, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789');
  // A wrong key, deleted, then the code.
  await page.tap('.checkin-key[data-key="Z"]');
  await page.tap('.checkin-key[data-key="erase"]');
  for (const ch of code) await page.tap(`.checkin-key[data-key="${ch}"]`);
  assert.equal(await page.inputValue('[data-testid=checkin-input]'), code);
  // The input keeps the focus (a scanner may still type) without raising a system keyboard.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'checkin-input');
  assert.equal(await page.getAttribute('[data-testid=checkin-input]', 'inputmode'), 'none');
  await screenshot(page, 'kiosk-checkin-keypad');
  await page.tap('.checkin-submit');
  await page.waitForSelector('#screen-done.active');
  const ticket = await page.evaluate(() => window.luotKiosk.lastTicket);
  assert.equal(ticket.channel, 'appointment');
  assert.equal(await page.textContent('#done-number'), ticket.number);
  // The slot, not a queue position: a booking is called first once its time begins.
  const slotTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .format(new Date(slot.start));
  assert.match(await page.textContent('#done-wait'), new RegExp(`^Giờ hẹn ${slotTime}`));
  // Its ticket image (what the kiosk printed) has loaded; it carries the code and slot.
  await page.waitForFunction(() => document.getElementById('done-ticket').naturalWidth === 576);
  await screenshot(page, 'kiosk-checkin-done');
  // A public screen: the booking's name never shows.
  assert.doesNotMatch(await page.textContent('body'), /Trần Thị Bích/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('too early for a booking on another day: the date is in the message', async () => {
  const info = await api('GET', '/api/v1/centres/mo-cay/booking');
  const slots = await api('GET', `/api/v1/centres/mo-cay/services/C/slots?date=2026-11-27`);
  const slot = slots.body.slots.find((s) => s.remaining > 0);
  assert.ok(info.body.today < '2026-11-27');
  const booked = await api('POST', '/api/v1/centres/mo-cay/appointments', {
    service: 'C', slot_start: slot.start, name: 'Phạm Văn Em', phone: '0944444444', consent: true,
  });
  assert.equal(booked.status, 201);
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  await page.click('#checkin-path');
  await page.waitForSelector('[data-testid=checkin-keypad]');
  await page.fill('[data-testid=checkin-input]', booked.body.code);
  await page.press('[data-testid=checkin-input]', 'Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=checkin-result]').innerText.length > 0);
  assert.match(await page.textContent('[data-testid=checkin-result]'), /đến sớm.*\d\d:\d\d 27\/11/);
  // The refusal (409) logs a failed request; nothing else may.
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(String(e))), []);
  await page.close();
});

test('outside opening hours the kiosk says when the centre opens next', async () => {
  // The demo centre takes tickets at any hour; this test makes it keep its hours.
  const cfg = (await api('GET', '/api/v1/admin/centres/mo-cay')).body;
  const settings = (centre) => api('PUT', '/api/v1/admin/centres/mo-cay/settings', centre);
  assert.equal((await settings({ ...cfg.centre, enforce_hours: true })).status, 200);
  try {
    // Saturday 28/11/2026 09:00: the centre opens again Monday 07:00.
    await setNow('2026-11-28T02:00:00Z');
    const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
    const button = '#services .service[data-service="A"]';
    await page.waitForFunction((b) => /Mở cửa lại lúc 07:00 30\/11/.test(document.querySelector(b).textContent), button);
    assert.equal(await page.isDisabled(button), true);
    await screenshot(page, 'kiosk-closed');
    const refused = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' }, KIOSK_TOKEN);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'service_closed');
    assert.equal(refused.body.opens_at, '2026-11-30T00:00:00Z');
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await settings({ ...cfg.centre, enforce_hours: false });
    await setNow('2026-11-26T02:00:00Z');
  }
});

test('a print the kiosk could not confirm: the number in large type, to write down', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  await page.click('#services .service[data-service="B"]');
  await page.click('#priority-no');
  await page.waitForSelector('#screen-done.active');
  const number = await page.textContent('#done-number');
  const size = () => page.$eval('#done-number', (e) => parseFloat(getComputedStyle(e).fontSize));
  const before = await size();
  // The print agent answered `unknown` for this ticket's job (as luot-kiosk does after silence).
  await page.route('**/api/v1/kiosks/me', async (route) => {
    const r = await route.fetch();
    const body = await r.json();
    body.recent_jobs = [{
      job_id: 1, ticket_number: number, outcome: 'unknown', reprint: false,
      reason: 'no answer from the printer after the ticket', created_at: new Date().toISOString(),
    }];
    await route.fulfill({ response: r, json: body });
  });
  await page.waitForSelector('#screen-done.unprinted');
  assert.equal(await page.textContent('#done-print'), 'Nếu phiếu chưa in ra, hãy ghi lại số này');
  assert.equal(await page.textContent('#done-number'), number);
  assert.ok(await size() > before * 1.4, `number ${await size()}px, was ${before}px`);
  await screenshot(page, 'kiosk-print-unknown');
  await page.click('#lang');
  assert.equal(await page.textContent('#done-print'), 'If your ticket did not print, please write down this number');
  await page.click('#lang');
  await page.unroute('**/api/v1/kiosks/me');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a print that went wrong: "In lại phiếu" asks for one copy, and says what came of it', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
  // The print agent's answer for the shown ticket: `failed` (paper out), as luot-kiosk reports it.
  const failed = async (route) => {
    const r = await route.fetch();
    const body = await r.json();
    const number = await page.textContent('#done-number');
    body.recent_jobs = [{
      job_id: 1, ticket_number: number, outcome: 'failed', reprint: false,
      reason: 'paper out', created_at: new Date().toISOString(),
    }];
    await route.fulfill({ response: r, json: body });
  };
  await page.route('**/api/v1/kiosks/me', failed);
  const take = async () => {
    await page.click('#services .service[data-service="B"]');
    await page.click('#priority-no');
    await page.waitForSelector('#screen-done.unprinted');
    await page.waitForSelector('#reprint:not([hidden])');
    return page.evaluate(() => window.luotKiosk.lastTicket.token);
  };

  // The server decides: this ticket's job is really still waiting (no agent here), so the tap is
  // refused with its stable code, and the page says why instead of the button.
  await take();
  assert.equal(await page.textContent('#reprint'), 'In lại phiếu');
  assert.equal(await page.textContent('#done-print'), 'Phiếu không in được (hết giấy). Hãy ghi lại số này và báo cán bộ.');
  await screenshot(page, 'kiosk-reprint-offered');
  const refused = page.waitForResponse('**/api/v1/kiosks/me/tickets/*/reprint');
  await page.click('#reprint');
  const answer = await refused;
  assert.equal(answer.status(), 409);
  assert.equal((await answer.json()).code, 'reprint_not_needed');
  await page.waitForSelector('#reprint-note:not([hidden])');
  assert.equal(await page.textContent('#reprint-note'), 'Phiếu đã in xong hoặc đang in');
  assert.equal(await page.isVisible('#reprint'), false);
  await page.click('#screen-done [data-back]');

  // Accepted: one request with the kiosk's token for this ticket, then "đang in lại".
  const asked = [];
  await page.route('**/api/v1/kiosks/me/tickets/*/reprint', async (route) => {
    const req = route.request();
    asked.push({ method: req.method(), path: new URL(req.url()).pathname, auth: req.headers().authorization });
    await route.fulfill({ status: 202, json: { job_id: 99 } });
  });
  const token = await take();
  await page.click('#reprint');
  await page.waitForSelector('#reprint-note:not([hidden])');
  assert.match(await page.textContent('#reprint-note'), /^Đang in lại phiếu \(có dòng BẢN IN LẠI\)/);
  assert.equal(await page.isVisible('#reprint'), false, 'one copy: the button is gone');
  assert.deepEqual(asked, [{
    method: 'POST', path: `/api/v1/kiosks/me/tickets/${encodeURIComponent(token)}/reprint`, auth: `Bearer ${KIOSK_TOKEN}`,
  }]);
  await screenshot(page, 'kiosk-reprint-asked');
  await page.click('#lang');
  assert.match(await page.textContent('#reprint-note'), /^Printing your ticket again/);
  await page.click('#lang');
  await page.unroute('**/api/v1/kiosks/me', failed);
  await page.unroute('**/api/v1/kiosks/me/tickets/*/reprint');
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(String(e))), []);
  await page.close();
});

test('the page says "mất kết nối" within 10 s of the server going silent', async () => {
  const { page } = await openKiosk({ width: 1080, height: 1920 });
  assert.equal(await page.isVisible('#offline'), false);
  // The server (or the LAN) hangs: requests are never answered, nor refused.
  const hang = () => {};
  await page.route('**/healthz', hang);
  await page.route('**/api/**', hang);
  const from = Date.now();
  await page.waitForSelector('#offline:not([hidden])', { timeout: 10_000 });
  const took = Date.now() - from;
  assert.ok(took < 10_000, `shown after ${took} ms`);
  assert.match(await page.textContent('#offline'), /Mất kết nối/);
  await screenshot(page, 'kiosk-lost-server');
  // Back: the notice goes by itself.
  await page.unroute('**/healthz', hang);
  await page.unroute('**/api/**', hang);
  await page.waitForSelector('#offline[hidden]', { state: 'attached', timeout: 15_000 });
  await page.close();
});
