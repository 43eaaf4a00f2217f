// The kiosk page (/kiosk) in headless Chromium, opened with the kiosk device's
// link (?token=…): a tap on a service shows the number and the ticket image,
// and the ticket is queued for the kiosk's printer. No print agent runs here,
// so the page must say that tickets will not print and suggest photographing
// the QR. Screenshots in portrait (1080x1920) and landscape (1920x1080).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { api, BASE, KIOSK_TOKEN, launch, screenshot } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(() => browser?.close());

const kioskState = async () => (await api('GET', '/api/v1/kiosks/me', undefined, KIOSK_TOKEN)).body;

async function openKiosk(viewport) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${BASE}/kiosk?token=${encodeURIComponent(KIOSK_TOKEN)}`);
  await page.waitForSelector('#services .service[data-service="A"]');
  return { page, errors };
}

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

test('English switch and the check-in panel', async () => {
  const { page, errors } = await openKiosk({ width: 1080, height: 1920 });
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
