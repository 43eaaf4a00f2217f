// The counter console (/counter) and the counter's rating tablet (/rate/1) in
// headless Chromium: a staff member signs in, calls the next citizen and
// completes; the tablet beside the counter asks for a rating and submits it.
// Then bookings are checked in from the console (from today's list, and by
// code after the H shortcut) and show with their names in the waiting list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ACCOUNTS, api, BASE, KIOSK_TOKEN, launch, RATING_TOKEN, screenshot, setNow } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

/** A console signed in as `user` (limited to one counter, so the desk opens at once). */
async function openDesk(user, viewport) {
  const page = await (await browser.newContext({ viewport })).newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${BASE}/counter`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login [name=username]', user);
  await page.fill('#login [name=password]', ACCOUNTS[user]);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#desk:not([hidden])');
  return { page, errors };
}

test('sign in on /counter, call next, complete; the rating tablet asks and rates', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const tablet = await (await browser.newContext()).newPage();
  tablet.on('pageerror', (e) => errors.push(e));
  await tablet.goto(`${BASE}/rate/1#token=${RATING_TOKEN}`);
  await tablet.waitForSelector('#idle:not([hidden])');
  // The token left the address bar.
  assert.equal(new URL(tablet.url()).search, '');

  const issued = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' }, KIOSK_TOKEN);
  assert.equal(issued.status, 201);

  await page.goto(`${BASE}/counter`);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#login [name=username]', 'quay1');
  await page.fill('#login [name=password]', 'wrong password');
  await page.click('#login button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('Sai tên đăng nhập'));
  await page.fill('#login [name=password]', ACCOUNTS.quay1);
  await page.click('#login button[type=submit]');
  // quay1 may use counter 1 only, so the desk opens at once.
  await page.waitForSelector('#desk:not([hidden])');
  assert.equal(await page.isVisible('#login'), false);
  assert.equal(await page.textContent('#counter-no'), 'Quầy 1');
  await page.waitForFunction(() => document.querySelector('#waiting').textContent.includes('A001'));

  await page.keyboard.press('n');
  await page.waitForFunction(() => document.querySelector('#ticket').textContent === 'A001');
  assert.match(await page.textContent('#message'), /Đã gọi số A001/);
  await page.click('#actions button[data-action=complete]');
  await page.waitForFunction(() => document.querySelector('#ticket').textContent === '—');
  await screenshot(page, 'counter-console');

  // The tablet saw the completion on the event stream.
  await tablet.waitForSelector('#prompt:not([hidden])');
  assert.equal(await tablet.textContent('#number'), 'A001');
  await screenshot(tablet, 'rating-tablet');
  // A portrait tablet (800x1280): one large button a row, all on screen.
  await tablet.setViewportSize({ width: 800, height: 1280 });
  const boxes = await tablet.$$eval('#levels button', (bs) => bs.map((b) => b.getBoundingClientRect().toJSON()));
  assert.equal(new Set(boxes.map((b) => Math.round(b.left))).size, 1, 'one column');
  assert.ok(boxes.every((b) => b.height >= 90 && b.width >= 500 && b.bottom <= 1280), JSON.stringify(boxes));
  await screenshot(tablet, 'rating-tablet-portrait');
  // The tap comes first, the comment after it: both are sent together.
  const sent = tablet.waitForRequest((r) => r.url().endsWith('/counters/1/feedback') && r.method() === 'POST');
  await tablet.click('#levels button[data-rating="5"]');
  assert.equal(await tablet.getAttribute('#levels button[data-rating="5"]', 'aria-pressed'), 'true');
  await tablet.fill('#comment', 'Nhanh gọn');
  await tablet.click('#send');
  assert.deepEqual(JSON.parse((await sent).postData()), { rating: 5, comment: 'Nhanh gọn' });
  await tablet.waitForSelector('#thanks:not([hidden])');

  // Today's figures count the rating once the console refreshes.
  await page.keyboard.press('p');
  await page.waitForFunction(() => document.querySelector('#figures').textContent.includes('5/5 (1)'));
  await page.keyboard.press('o');
  // Rated once: the ticket's own link cannot rate again.
  const again = await api('POST', `/api/v1/tickets/${issued.body.token}/feedback`, { rating: 1 });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'already_rated');

  // Another counter is not this account's.
  const other = await page.evaluate(async () => {
    const csrf = document.cookie.match(/luot_csrf=([^;]*)/)[1];
    const r = await fetch('/api/v1/centres/mo-cay/counters/2/call-next', { method: 'POST', headers: { 'x-csrf-token': csrf } });
    return r.status;
  });
  assert.equal(other, 403);
  assert.deepEqual(errors, []);
});

test('check in bookings from the console; their names show in the waiting list only', async () => {
  const book = async (service, name, phone) => {
    const slots = await api('GET', `/api/v1/centres/mo-cay/services/${service}/slots`);
    const r = await api('POST', '/api/v1/centres/mo-cay/appointments', {
      service, slot_start: slots.body.slots[0].start, name, phone, consent: true,
    });
    assert.equal(r.status, 201);
    return r.body;
  };
  const ngoc = await book('A', 'Trần Thị Bích Ngọc', '0912345678');
  const duc = await book('B', 'Lê Hoàng Đức', '0987654321');
  const an = await book('A', 'Nguyễn Văn An', '0911111111');
  assert.equal(ngoc.slot_start, '2026-11-26T03:00:00Z', '10:00, the first slot after the lead time');
  // 09:40: check-in is open for the 10:00 slots.
  await setNow('2026-11-26T02:40:00Z');

  const { page, errors } = await openDesk('quay1', { width: 1280, height: 900 });

  // Today's bookings, with a check-in button each.
  const row = `#awaiting tr[data-code="${ngoc.code}"]`;
  await page.waitForSelector(row);
  assert.match(await page.textContent(row), /10:00.*Trần Thị Bích Ngọc/);
  assert.match(await page.textContent(`#awaiting tr[data-code="${duc.code}"]`), /Lê Hoàng Đức/);
  await page.click(`${row} button`);
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('Đã xác nhận lịch hẹn'));
  assert.match(await page.textContent('#message'), /Trần Thị Bích Ngọc · số A002/);
  await page.waitForSelector(`${row}`, { state: 'detached' });
  // In the waiting list of service A, with her name and slot.
  await page.waitForSelector('#waiting table[data-service=A] tr[data-number=A002]');
  assert.match(await page.textContent('#waiting tr[data-number=A002]'), /Trần Thị Bích Ngọc · 10:00/);

  // By code: H puts the cursor in the check-in box, a scanner types and sends Enter.
  await page.keyboard.press('h');
  await page.waitForFunction(() => document.activeElement.name === 'scan');
  await page.keyboard.type(duc.code.toLowerCase());
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('Lê Hoàng Đức'));
  await page.waitForSelector('#waiting table[data-service=B] tr[data-number=B001]');
  assert.match(await page.textContent('#waiting tr[data-number=B001]'), /Lê Hoàng Đức/);

  // A scanner's burst with nothing focused is a check-in, not shortcuts (its
  // letters would call, complete...): the keys arrive within a millisecond.
  await page.evaluate(() => document.activeElement.blur());
  await page.evaluate((code) => {
    for (const key of [...code, 'Enter']) document.body.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
  }, an.code);
  await page.waitForFunction(() => document.querySelector('#message').textContent.includes('Nguyễn Văn An · số A003'));
  assert.equal(await page.textContent('#ticket'), '—', 'nothing was called');
  await page.waitForSelector('#awaiting tr.empty');
  await screenshot(page, 'counter-checkin');

  // Again: the console says it was done, and with which number.
  await page.click('#checkin [name=scan]');
  await page.keyboard.type(ngoc.code);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#message.error')?.textContent.includes('A002'));

  // Called at 10:00, the name is shown beside the current number.
  await setNow('2026-11-26T03:00:00Z');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('n');
  await page.waitForFunction(() => document.querySelector('#ticket').textContent === 'A002');
  assert.match(await page.textContent('#ticket-booking'), /Trần Thị Bích Ngọc · 10:00/);

  // Public replies never carry the names.
  for (const path of ['/api/v1/centres/mo-cay/queue', '/api/v1/centres/mo-cay/display']) {
    const pub = await api('GET', path, undefined, '');
    assert.equal(pub.status, 200);
    assert.doesNotMatch(JSON.stringify(pub.body), /Trần Thị|Lê Hoàng/);
  }
  assert.deepEqual(errors, []);
});

test('only what the counter\'s state allows can be pressed; the figures follow the language', async () => {
  const { page, errors } = await openDesk('quay3', { width: 1366, height: 768 });
  await page.waitForSelector('#figures:not(:empty)');
  const until = (list) => page.waitForFunction((want) => [...document.querySelectorAll('#actions button')]
    .filter((b) => !b.disabled).map((b) => b.dataset.action).join(' ') === want, list);

  // Nobody called: only "call next" and "pause".
  await until('call-next pause');
  assert.equal(await page.isDisabled('#transfer button[type=submit]'), true);

  const issued = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'C' }, KIOSK_TOKEN);
  assert.equal(issued.status, 201);
  // Buttons, not keys: keys pressed within 60 ms of each other read as a scanner's burst.
  const press = (action) => page.click(`#actions button[data-action="${action}"]`);
  await press('call-next');
  await page.waitForFunction((n) => document.querySelector('#ticket').textContent === n, issued.body.number);
  await until('call-next recall start complete no-show pause');
  assert.equal(await page.isDisabled('#transfer button[type=submit]'), false);
  await press('start');
  await until('call-next complete pause');
  await press('pause');
  await until('call-next complete resume');
  await press('resume');
  await until('call-next complete pause');
  await press('complete');
  await until('call-next pause');
  await page.waitForFunction(() => /Đã phục vụ: 1/.test(document.querySelector('#figures').textContent));

  // English: the figures too, at once, not at the next refresh.
  await page.click('#lang');
  assert.match(await page.textContent('#figures'), /^Served: 1 · No-shows: 0/);
  await page.click('#lang');
  assert.match(await page.textContent('#figures'), /^Đã phục vụ: 1/);

  // A booking made on the portal shows in today's list at once (its event), not
  // at the next 10 s poll.
  const slots = await api('GET', '/api/v1/centres/mo-cay/services/C/slots');
  const booked = await api('POST', '/api/v1/centres/mo-cay/appointments', {
    service: 'C', slot_start: slots.body.slots.find((x) => x.remaining > 0).start,
    name: 'Đỗ Thị Hạnh', phone: '0955555555', consent: true,
  });
  assert.equal(booked.status, 201);
  await page.waitForSelector(`#awaiting tr[data-code="${booked.body.code}"]`, { timeout: 5000 });
  assert.match(await page.textContent(`#awaiting tr[data-code="${booked.body.code}"]`), /Đỗ Thị Hạnh/);
  // Cancelled: gone as quickly.
  const r = await fetch(`${BASE}/api/v1/appointments/${booked.body.code}`, { method: 'DELETE', headers: { 'x-phone': '0955555555' } });
  assert.equal(r.status, 200);
  await page.waitForSelector(`#awaiting tr[data-code="${booked.body.code}"]`, { state: 'detached', timeout: 5000 });
  assert.deepEqual(errors, []);
});

test('the rating tablet resumes with ?after= and still asks for a completion made while it was away', async () => {
  const tablet = await (await browser.newContext()).newPage();
  const errors = [];
  tablet.on('pageerror', (e) => errors.push(e));
  const sockets = [];
  tablet.on('websocket', (ws) => sockets.push(ws.url()));
  await tablet.goto(`${BASE}/rate/1#token=${RATING_TOKEN}`);
  await tablet.waitForFunction(() => window.luotRate?.stream?.lastId != null);
  const issued = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'A' }, KIOSK_TOKEN);
  assert.equal(issued.status, 201);
  await api('POST', '/api/v1/centres/mo-cay/counters/1/call-next', {});
  await api('POST', '/api/v1/centres/mo-cay/counters/1/start', {});
  // The connection drops; the ticket is completed before the tablet is back.
  await tablet.evaluate(() => window.luotRate.stream.ws.close());
  const done = await api('POST', '/api/v1/centres/mo-cay/counters/1/complete', {});
  assert.equal(done.status, 200);
  // (A ticket an earlier test left called is served by that call-next and asked about first.)
  await tablet.waitForFunction((n) => !document.querySelector('#prompt').hidden
    && document.querySelector('#number').textContent === n, done.body.number);
  // It came back asking for what it missed, not for a fresh snapshot.
  assert.ok(sockets.length >= 2 && /[?&]after=\d+/.test(sockets.at(-1)), JSON.stringify(sockets));
  assert.deepEqual(errors, []);
  await tablet.context().close();
});

test('"Gọi tiếp" with a called citizen who never came asks once: "Vắng mặt" makes a no-show', async () => {
  const { page, errors } = await openDesk('quay4', { width: 1366, height: 768 });
  const absent = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'D' }, KIOSK_TOKEN);
  const next = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'D' }, KIOSK_TOKEN);
  assert.equal(next.status, 201);
  const press = (action) => page.click(`#actions button[data-action="${action}"]`);
  await press('call-next');
  await page.waitForFunction((n) => document.querySelector('#ticket').textContent === n, absent.body.number);
  // Called, not started: "Gọi tiếp" asks instead of calling.
  await press('call-next');
  await page.waitForSelector('#previous:not([hidden])');
  assert.match(await page.textContent('#previous-q'), new RegExp(`Số ${absent.body.number} đã được gọi`));
  assert.equal(await page.textContent('#ticket'), absent.body.number);
  await screenshot(page, 'counter-previous-prompt');
  await page.click('#previous button[data-previous=no_show]');
  await page.waitForFunction((n) => document.querySelector('#ticket').textContent === n, next.body.number);
  assert.equal(await page.isVisible('#previous'), false);
  const gone = await api('GET', `/api/v1/tickets/${absent.body.token}`);
  assert.equal(gone.body.status, 'no_show');
  // Started: "Gọi tiếp" finishes it as served without asking.
  await press('start');
  await page.waitForFunction(() => document.querySelector('#ticket-status').textContent === 'đang phục vụ');
  await press('call-next');
  // (Counter 4 also serves A: an earlier test's waiting ticket may be called now.)
  await page.waitForFunction((n) => document.querySelector('#ticket').textContent !== n, next.body.number);
  assert.equal(await page.isVisible('#previous'), false);
  assert.equal((await api('GET', `/api/v1/tickets/${next.body.token}`)).body.status, 'done');
  assert.deepEqual(errors, []);
});
