// The booking portal on a 360 px phone: service -> date -> slot -> details ->
// consent -> confirmation with code and QR; then look up and cancel. And the
// kiosk check-in panel (kiosk-ui/checkin.js) answering a scanned code.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, KIOSK_TOKEN, api, launch, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function phone() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  return context.newPage();
}

const noOverflow = (page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

test('a citizen books a slot, then looks it up and cancels it', async () => {
  const page = await phone();
  await page.goto(`${BASE}/`);
  await page.getByTestId('service-A').click();
  const info = await api('GET', '/api/v1/centres/mo-cay/booking');
  await page.getByTestId(`date-${info.body.today}`).click();
  await page.getByTestId('slot-10:00').waitFor();
  assert.match(await page.getByTestId('slot-10:00').innerText(), /còn 2 chỗ/);
  assert.ok(await noOverflow(page), 'slots fit a 360 px screen');
  await page.getByTestId('slot-10:00').click();

  await page.getByTestId('name').fill('Trần Thị Bích Ngọc');
  await page.getByTestId('phone').fill('0912 345 678');
  assert.equal(await page.getByTestId('consent').isChecked(), false, 'consent is not pre-ticked');
  await page.getByTestId('submit').click();
  assert.match(await page.getByTestId('error-consent').innerText(), /đồng ý/);
  await page.getByTestId('consent').check();
  await page.getByTestId('submit').click();

  const code = (await page.getByTestId('code').innerText()).trim();
  assert.match(code, /^[A-HJ-NP-Z2-9]{6}$/);
  await page.waitForFunction(() => document.querySelector('[data-testid=qr]')?.naturalWidth > 0);
  assert.match(await page.getByTestId('time').innerText(), /10:00/);
  assert.match(await page.locator('main').innerText(), /CCCD/, 'what to bring is shown');
  assert.ok(await noOverflow(page), 'the confirmation fits a 360 px screen');
  await screenshot(page, 'portal-confirmation-360');

  await page.getByTestId('lang').click();
  assert.match(await page.locator('main').innerText(), /Your booking code/);
  await page.getByTestId('lang').click();

  await page.getByTestId('cancel-link').click();
  assert.equal(await page.getByTestId('lookup-code').inputValue(), code);
  await page.getByTestId('lookup-phone').fill('0987654321');
  await page.getByTestId('find').click();
  assert.match(await page.getByTestId('error').innerText(), /Không tìm thấy/);
  await page.getByTestId('lookup-phone').fill('0912345678');
  await page.getByTestId('find').click();
  assert.match(await page.getByTestId('status').innerText(), /Đã đặt/);
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('cancel').click();
  await page.getByTestId('message').waitFor();
  assert.match(await page.getByTestId('status').innerText(), /Đã hủy/);
  await page.context().close();
});

test('the kiosk check-in panel reads a scanned code and a CCCD', async () => {
  const slots = await api('GET', '/api/v1/centres/mo-cay/services/B/slots');
  const start = slots.body.slots[0].start;
  const booked = await api('POST', '/api/v1/centres/mo-cay/appointments', {
    service: 'B', slot_start: start, name: 'Lê Hoàng Đức', phone: '0911111111', consent: true,
  });
  assert.equal(booked.status, 201);
  const page = await phone();
  await page.goto(`${BASE}/kiosk/`);
  await page.evaluate(async (token) => {
    const host = document.createElement('div');
    host.id = 'checkin-host';
    document.body.replaceChildren(host);
    const { renderCheckIn } = await import('/kiosk/checkin.js');
    renderCheckIn(host, { centre: 'mo-cay', authorization: `Bearer ${token}` });
  }, KIOSK_TOKEN);
  // A keyboard-wedge scanner types the code and Enter into the focused input.
  await page.keyboard.type(booked.body.code.toLowerCase());
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid=checkin-result]').innerText.length > 0);
  assert.match(await page.getByTestId('checkin-result').innerText(), /đến sớm.*\d\d:\d\d/s);
  await page.keyboard.type('001099012345|123456789|Nguyen Van An|01021960|Nam|Thon 1|15082021');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Không tìm thấy/.test(document.querySelector('[data-testid=checkin-result]').innerText));
  await page.context().close();
});

test('the date step offers only the days the service works', async () => {
  const page = await phone();
  await page.goto(`${BASE}/`);
  await page.getByTestId('service-A').click();
  const info = await api('GET', '/api/v1/centres/mo-cay/booking');
  const service = info.body.services.find((s) => s.code === 'A');
  assert.deepEqual(service.working_days, [1, 2, 3, 4, 5], 'the demo service works Monday to Friday');
  const start = new Date(`${info.body.today}T12:00:00Z`);
  let checked = 0;
  for (let i = 0; i <= service.settings.horizon_days; i += 1) {
    const d = new Date(start.getTime() + i * 86_400_000);
    const date = d.toISOString().slice(0, 10);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    const holiday = info.body.holidays.some((x) => x.date === date);
    const button = page.getByTestId(`date-${date}`);
    assert.equal(await button.isDisabled(), weekend || holiday, `${date} (weekend ${weekend}, holiday ${holiday})`);
    if (weekend) checked += 1;
  }
  assert.ok(checked >= 2, 'the horizon holds a weekend');
  await page.context().close();
});

test('the details step: every error at once next to its field, values and consent kept, each step at its top', async () => {
  const page = await phone();
  await page.goto(`${BASE}/`);
  await page.getByTestId('service-B').click();
  const info = await api('GET', '/api/v1/centres/mo-cay/booking');
  await page.getByTestId(`date-${info.body.today}`).click();
  await page.getByTestId('slot-10:00').waitFor();
  // Far down the list of times, then a time: the next step opens at its top, its heading focused.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  assert.ok(await page.evaluate(() => window.scrollY) > 0, 'the slot list is longer than the phone screen');
  await page.getByTestId('slot-15:00').click();
  await page.getByTestId('name').waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  assert.equal(await page.evaluate(() => document.activeElement.tagName + ':' + document.activeElement.textContent), 'H1:Thông tin người đến');

  // Nothing filled in: every error at once, in Vietnamese, each under its field.
  await page.getByTestId('submit').click();
  const shown = async () => page.$$eval('.field-error', (es) => es.map((e) => [e.id, e.textContent]));
  assert.deepEqual((await shown()).map(([id]) => id), ['name-error', 'phone-error', 'consent-error']);
  assert.match(await page.getByTestId('error-phone').innerText(), /Vui lòng nhập số điện thoại/);
  assert.equal(await page.getByTestId('name').getAttribute('aria-describedby'), 'name-error');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'name', 'focus on the first error');
  // In English when switched.
  await page.getByTestId('lang').click();
  assert.match(await page.getByTestId('error-name').innerText(), /Please enter your full name/);
  await page.getByTestId('lang').click();

  // A wrong phone and ID: exactly those two, the name no longer.
  await page.getByTestId('name').fill('Phạm Văn Hùng');
  await page.getByTestId('phone').fill('12345');
  await page.getByTestId('id-number').fill('0123');
  await page.getByTestId('consent').check();
  await page.getByTestId('submit').click();
  assert.deepEqual((await shown()).map(([id]) => id), ['phone-error', 'id_number-error']);
  assert.match(await page.getByTestId('error-phone').innerText(), /10 chữ số/);
  assert.equal(await page.getByTestId('consent').isChecked(), true);

  // The server fails: the message shows, what was typed and ticked stays.
  await page.getByTestId('phone').fill('0913 222 333');
  await page.getByTestId('id-number').fill('');
  await page.route('**/appointments', (route) => route.fulfill({ status: 503, contentType: 'application/json',
    body: JSON.stringify({ code: 'unavailable', message: 'Hệ thống đang bận, vui lòng thử lại', message_en: 'Busy, retry' }) }));
  await page.getByTestId('submit').click();
  assert.match(await page.getByTestId('error').innerText(), /Hệ thống đang bận/);
  assert.equal(await page.getByTestId('consent').isChecked(), true, 'consent survives a server error');
  assert.equal(await page.getByTestId('name').inputValue(), 'Phạm Văn Hùng');
  assert.equal(await page.getByTestId('phone').inputValue(), '0913 222 333');
  // A field the server refuses is shown under that field, in the page's words.
  await page.unroute('**/appointments');
  await page.route('**/appointments', (route) => route.fulfill({ status: 422, contentType: 'application/json',
    body: JSON.stringify({ code: 'invalid', field: 'name', message: 'Giá trị không hợp lệ (name): x', message_en: 'x' }) }));
  await page.getByTestId('submit').click();
  await page.waitForSelector('#name-error');
  assert.deepEqual((await shown()).map(([id]) => id), ['name-error']);
  assert.equal(await page.getByTestId('consent').isChecked(), true);
  await page.unroute('**/appointments');

  // Booked: the confirmation opens at its top with its heading focused.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.getByTestId('submit').click();
  await page.getByTestId('code').waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Đặt lịch thành công');
  await page.context().close();
});

test('two unticked consents, each withdrawn on its own from the look-up page', async () => {
  // The centre sends turn notices, so the reminder consent brings them after check-in.
  const notifier = await api('PUT', '/api/v1/admin/centres/mo-cay/notifier',
    { kind: 'webhook', url: 'http://127.0.0.1:9/notice', secret: 'a secret of sixteen characters' });
  assert.equal(notifier.status, 204);
  const page = await phone();
  await page.goto(`${BASE}/`);
  await page.getByTestId('service-A').click();
  const info = await api('GET', '/api/v1/centres/mo-cay/booking');
  await page.getByTestId(`date-${info.body.today}`).click();
  await page.getByTestId('slot-11:00').click();
  await page.getByTestId('name').fill('Võ Thị Sáu');
  await page.getByTestId('phone').fill('0933 111 222');
  assert.equal(await page.getByTestId('reminders').isChecked(), false, 'reminders are not pre-ticked');
  assert.match(await page.locator('form').innerText(), /91\/2025\/QH15/);
  assert.doesNotMatch(await page.locator('form').innerText(), /13\/2023/);
  assert.match(await page.locator('label[for=reminders]').innerText(), /báo sắp đến lượt[\s\S]*khi sắp đến lượt/,
    'the reminder box names turn notices, in its title and its text');
  await page.getByTestId('consent').check();
  await page.getByTestId('reminders').check();
  await page.getByTestId('submit').click();
  const code = (await page.getByTestId('code').innerText()).trim();
  assert.match(await page.getByTestId('turn-notices').innerText(), /sau khi bạn xác nhận/);

  await page.getByTestId('cancel-link').click();
  await page.getByTestId('lookup-phone').fill('0933111222');
  await page.getByTestId('find').click();
  await page.getByTestId('reminders-on').waitFor();
  assert.match(await page.getByTestId('turn-notices').innerText(), /^Có/);
  await page.getByTestId('withdraw-reminders').click();
  await page.getByTestId('message').waitFor();
  assert.equal(await page.getByTestId('reminders-on').count(), 0);
  assert.equal(await page.getByTestId('turn-notices').innerText(), 'Không');
  assert.match(await page.getByTestId('status').innerText(), /Đã đặt/, 'the booking stays');

  page.once('dialog', (d) => d.accept());
  await page.getByTestId('withdraw-booking').click();
  await page.getByText(/dữ liệu cá nhân của bạn đã được xóa/).waitFor();
  assert.equal(await page.getByTestId('booking').count(), 0);
  await page.getByTestId('find').click();
  assert.match(await page.getByTestId('error').innerText(), /Không tìm thấy/, `${code} no longer answers to the phone`);
  await page.context().close();
});
