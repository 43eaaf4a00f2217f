// The counter console (/counter) and the counter's rating tablet (/rate/1) in
// headless Chromium: a staff member signs in, calls the next citizen and
// completes; the tablet beside the counter asks for a rating and submits it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ACCOUNTS, api, BASE, KIOSK_TOKEN, launch, RATING_TOKEN, screenshot } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

test('sign in on /counter, call next, complete; the rating tablet asks and rates', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  const tablet = await (await browser.newContext()).newPage();
  tablet.on('pageerror', (e) => errors.push(e));
  await tablet.goto(`${BASE}/rate/1?token=${RATING_TOKEN}`);
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
  await tablet.fill('#comment', 'Nhanh gọn');
  await tablet.click('#levels button[data-rating="5"]');
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
