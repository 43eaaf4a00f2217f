// The citizen's live ticket page behind the QR (/t/{token}) on a phone: it
// follows the ticket from waiting to called to done without a reload, then
// takes a rating. Times are the centre's (as printed on the ticket), whatever
// the phone's timezone; the English switch changes every text, the centre's
// name included; an unknown token shows only a clear message. While it waits,
// the page offers "nhắn tin khi sắp đến lượt": a phone with its own unticked
// consent, sent to the centre's notifier (a local fake here).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ACCOUNTS, api, BASE, fakeNotifier, KIOSK_TOKEN, launch, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function phone() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    // A phone set to another zone (a visitor's): the page must still show the centre's time.
    timezoneId: 'Europe/London',
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  return { page, errors };
}

test('waiting, called, done and rated, live; times in the centre\'s zone; English throughout', async () => {
  const login = await api('POST', '/api/v1/auth/login', { username: 'quay3', password: ACCOUNTS.quay3 }, '');
  const staff = login.body.token;
  const first = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'C' }, KIOSK_TOKEN);
  const mine = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'C' }, KIOSK_TOKEN);
  assert.equal(mine.status, 201);
  const { page, errors } = await phone();
  await page.goto(`${BASE}/t/${mine.body.token}`);
  await page.waitForFunction((n) => document.getElementById('number').textContent === n, mine.body.number);
  assert.equal(await page.textContent('#position'), '1');
  // Issued at 09:00 in Asia/Ho_Chi_Minh (the server's pinned clock), 02:00 in London.
  assert.equal(await page.textContent('#issued'), '09:00');
  await page.waitForFunction(() => document.getElementById('centre').textContent.includes('Mỏ Cày'));

  // The first ticket is called: one fewer ahead, without a reload.
  assert.equal((await api('POST', '/api/v1/centres/mo-cay/counters/3/call-next', undefined, staff)).body.number, first.body.number);
  await page.waitForFunction(() => document.getElementById('position').textContent === '0');
  // Now this one.
  assert.equal((await api('POST', '/api/v1/centres/mo-cay/counters/3/call-next', undefined, staff)).body.number, mine.body.number);
  await page.waitForSelector('#called:not([hidden])');
  assert.match(await page.textContent('#called'), /Đến lượt bạn!.*quầy số 3/s);
  await screenshot(page, 'ticket-called');

  await api('POST', '/api/v1/centres/mo-cay/counters/3/complete', undefined, staff);
  await page.waitForSelector('#rate:not([hidden])');
  assert.equal(await page.isVisible('#called'), false);

  await page.click('#lang');
  assert.equal(await page.textContent('#status'), 'Done');
  assert.equal(await page.textContent('#centre'), 'Mo Cay Commune Public Administrative Service Centre');
  assert.equal(await page.getAttribute('#comment', 'placeholder'), 'Comment (optional)');
  await page.click('#levels button[data-value="4"]');
  await page.fill('#comment', 'Quick');
  await page.click('#send-rating');
  await page.waitForFunction(() => document.getElementById('rate-result').textContent === 'Thank you for your rating!');
  await screenshot(page, 'ticket-rated-en');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true);
  assert.deepEqual(errors, []);
  await page.context().close();
});

test('"nhắn tin khi sắp đến lượt": nothing sent unticked; ticked, the notifier gets the notice; withdrawn, the phone is gone', async () => {
  const notifier = await fakeNotifier();
  try {
    const mine = await api('POST', '/api/v1/centres/mo-cay/tickets', { service: 'E' }, KIOSK_TOKEN);
    assert.equal(mine.status, 201);
    const { page, errors } = await phone();
    const posts = [];
    page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/notice')) posts.push(r.postDataJSON()); });
    await page.goto(`${BASE}/t/${mine.body.token}`);
    await page.waitForSelector('#notice:not([hidden])');
    assert.equal(await page.textContent('#notice h2'), 'Nhắn tin khi sắp đến lượt');
    assert.equal(await page.isChecked('#notice-consent'), false, 'the consent starts unticked');
    assert.match(await page.textContent('#notice-consent-text'), /91\/2025\/QH15/);
    await page.fill('#notice-phone', '0901 234 567');
    await page.click('#notice-form button[type=submit]');
    assert.equal(await page.textContent('#notice-error'), 'Bạn cần đánh dấu đồng ý.');
    assert.deepEqual(posts, [], 'unticked: nothing sent');
    const stored = async () => (await api('GET', `/api/v1/tickets/${mine.body.token}/notice`, undefined, '')).body.phone;
    assert.equal(await stored(), null);

    await page.check('#notice-consent');
    await page.click('#notice-form button[type=submit]');
    await page.waitForSelector('#notice-on:not([hidden])');
    assert.match(await page.textContent('#notice-on-text'), /Sẽ nhắn tới 0901\*\*\*567 khi còn 50 người trước bạn/);
    assert.equal(await page.isVisible('#notice-form'), false);
    assert.equal(posts.length, 1);
    assert.equal(posts[0].consent, true);
    assert.equal(posts[0].source, undefined, 'the status page\'s own box');
    const near = await notifier.next((n) => n.event === 'notice.near' && n.body.number === mine.body.number);
    assert.equal(near.body.phone, '0901234567');
    assert.equal(await stored(), '0901***567');
    await screenshot(page, 'ticket-notice');
    await page.click('#lang');
    assert.equal(await page.textContent('#notice h2'), 'Text me when my turn is near');
    assert.match(await page.textContent('#notice-on-text'), /We will text 0901\*\*\*567/);

    // Withdrawn: the phone is deleted, the form offered again.
    await page.click('#notice-cancel');
    await page.waitForSelector('#notice-form:not([hidden])');
    assert.equal(await stored(), null);
    assert.deepEqual(errors, []);
    await page.context().close();
  } finally {
    await notifier.close();
  }
});

test('an unknown token: a clear message, no empty ticket', async () => {
  const { page, errors } = await phone();
  await page.goto(`${BASE}/t/not-a-ticket-token`);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error'), /Không tìm thấy số thứ tự này/);
  assert.equal(await page.isVisible('#number'), false);
  assert.equal(await page.isVisible('#position'), false);
  await page.click('#lang');
  assert.match(await page.textContent('#error'), /This ticket was not found/);
  await screenshot(page, 'ticket-not-found');
  assert.deepEqual(errors, []);
  await page.context().close();
});
