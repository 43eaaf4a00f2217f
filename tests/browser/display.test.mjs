// The waiting-room board (/display) and the counter screen in headless Chromium:
// a call through the API shows up with its counter and is queued for
// announcement with the right phrase; a snapshot announces nothing; a dropped
// connection resumes without a reload; screenshots for a look at the layout.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, BASE, launch, restartServer, screenshot } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch(['--autoplay-policy=no-user-gesture-required']);
});
after(() => browser?.close());

const PHRASE = 'Xin mời công dân số {number} đến quầy số {counter}';

async function openBoard(path = '/display', viewport = { width: 1920, height: 1080 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(BASE + path);
  await page.waitForFunction(() => window.luotDisplay?.status === 'open' && window.luotDisplay.state);
  return { page, errors };
}

async function issueAndCall(service, counter) {
  const t = await api('POST', '/api/v1/centres/mo-cay/tickets', { service });
  assert.equal(t.status, 201);
  const c = await api('POST', `/api/v1/centres/mo-cay/counters/${counter}/call-next`, {});
  assert.equal(c.status, 200);
  return c.body.number;
}

const announced = (page) => page.evaluate(() => window.luotDisplay.queue.map((e) => ({ ...e })));

test('a call shows its number and counter and is announced with the centre phrase', async () => {
  const { page, errors } = await openBoard();
  assert.equal(await page.textContent('#centre-name'), 'Trung tâm Phục vụ Hành chính công xã Mỏ Cày');
  assert.match(await page.textContent('#date'), /^Thứ Năm, 26\/11\/2026$/);

  const number = await issueAndCall('A', 1);
  assert.equal(number, 'A001');
  await page.waitForFunction((n) => document.querySelector('#now-number').textContent === n, number);
  assert.equal(await page.textContent('#now-counter'), '1');
  assert.equal(await page.textContent('#counters tr[data-counter="1"] td.cur'), 'A001');

  await page.waitForFunction(() => window.luotDisplay.queue.length === 1);
  const [entry] = await announced(page);
  assert.equal(entry.text, 'Xin mời công dân số A001 đến quầy số 1');
  assert.equal(entry.spoken, 'Xin mời công dân số a một đến quầy số một');
  assert.equal(entry.recall, false);
  // It plays (or is recorded muted where there is no sound) and never blocks the queue.
  await page.waitForFunction(() => ['done', 'muted'].includes(window.luotDisplay.queue[0].state), null, { timeout: 15000 });

  // A recall repeats the announcement.
  assert.equal((await api('POST', '/api/v1/centres/mo-cay/counters/1/recall', {})).status, 200);
  await page.waitForFunction(() => window.luotDisplay.queue.length === 2);
  const second = (await announced(page))[1];
  assert.equal(second.text, entry.text);
  assert.equal(second.recall, true);

  // Reloading gets a snapshot: the call is shown but not announced again.
  await page.reload();
  await page.waitForFunction(() => window.luotDisplay?.status === 'open' && window.luotDisplay.state);
  assert.equal(await page.textContent('#now-number'), 'A001');
  assert.deepEqual(await announced(page), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a dropped connection resumes without a reload and misses nothing', async () => {
  const { page, errors } = await openBoard();
  const before = await page.evaluate(() => window.luotDisplay.lastId);
  // Drop the socket as a network failure would; the mark shows while it is away.
  await page.evaluate(() => window.luotDisplay.stream.ws.close());
  await page.waitForFunction(() => window.luotDisplay.status === 'lost');
  assert.equal(await page.isVisible('#conn'), true);
  const number = await issueAndCall('C', 3);
  await page.waitForFunction((n) => document.querySelector('#now-number').textContent === n, number);
  await page.waitForFunction(() => window.luotDisplay.status === 'open');
  assert.equal(await page.isVisible('#conn'), false);
  assert.ok((await page.evaluate(() => window.luotDisplay.lastId)) > before);
  const texts = (await announced(page)).map((e) => e.text);
  assert.deepEqual(texts, [PHRASE.replace('{number}', number).replace('{counter}', '3')]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the board keeps announcing across a server restart, without a reload', async () => {
  const { page, errors } = await openBoard();
  await page.evaluate(() => { window.sameDocument = true; });
  const seen = (await announced(page)).length;
  await restartServer();
  // The old server closed the socket: the board reconnects to the new one.
  const number = await issueAndCall('D', 4);
  await page.waitForFunction((n) => document.querySelector('#now-number').textContent === n, number);
  assert.equal(await page.textContent('#now-counter'), '4');
  await page.waitForFunction(() => window.luotDisplay.status === 'open');
  assert.equal(await page.evaluate(() => window.sameDocument), true);
  const texts = (await announced(page)).slice(seen).map((e) => e.text);
  assert.deepEqual(texts, [`Xin mời công dân số ${number} đến quầy số 4`]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the counter screen shows its own number', async () => {
  const { page, errors } = await openBoard('/display/counter/2');
  assert.equal(await page.textContent('#title'), 'Quầy số 2');
  const number = await issueAndCall('B', 2);
  await page.waitForFunction((n) => document.querySelector('#number').textContent === n, number);
  await screenshot(page, 'display-counter');
  assert.deepEqual(errors, []);
  await page.close();
});

test('screenshots of a busy board, landscape and portrait', async () => {
  for (const [service, counter] of [['A', 4], ['E', 3], ['F', 2], ['A', 1]]) await issueAndCall(service, counter);
  for (const s of ['A', 'A', 'B', 'C', 'D', 'F', 'F', 'F']) await api('POST', '/api/v1/centres/mo-cay/tickets', { service: s });
  await api('POST', '/api/v1/centres/mo-cay/counters/4/pause', {});
  const notice = await api('PUT', '/api/v1/centres/mo-cay/notice', {
    text: 'Buổi chiều làm việc từ 13:30 đến 17:00. Công dân vui lòng chuẩn bị sẵn giấy tờ tùy thân.',
  });
  assert.equal(notice.status, 200);
  const { page } = await openBoard();
  await page.waitForFunction(() => !document.querySelector('#notice-bar').hidden);
  await screenshot(page, 'display-landscape');
  await page.close();
  const portrait = await openBoard('/display?layout=portrait', { width: 1080, height: 1920 });
  await screenshot(portrait.page, 'display-portrait');
  await portrait.page.close();
  const en = await openBoard('/display?lang=en');
  assert.match(await en.page.textContent('#date'), /^Thursday, 26\/11\/2026$/);
  await en.page.close();
});
