// Shared helpers for the browser tests. The Rust runner
// (crates/server/tests/browser.rs) starts a fresh server with the demo centre
// (clock pinned to a working morning) for each *.test.mjs file and passes its
// address in LUOT_BASE_URL; LUOT_ARTIFACTS names a folder for screenshots.
// Credentials of the demo accounts and devices come in LUOT_ADMIN_TOKEN,
// LUOT_KIOSK_TOKEN, LUOT_RATING_TOKEN and LUOT_ACCOUNTS ({username: password}).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.LUOT_BASE_URL ?? 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.LUOT_ARTIFACTS ?? join(import.meta.dirname, 'artifacts');

/** Headless Debian Chromium with the flags every test uses. */
export function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.LUOT_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...extraArgs,
    ],
  });
}

export const ADMIN_TOKEN = process.env.LUOT_ADMIN_TOKEN ?? '';
export const KIOSK_TOKEN = process.env.LUOT_KIOSK_TOKEN ?? '';
export const RATING_TOKEN = process.env.LUOT_RATING_TOKEN ?? '';
export const ACCOUNTS = JSON.parse(process.env.LUOT_ACCOUNTS ?? '{}');

/** Calls the API as `token` (the demo administrator by default); returns
 * {status, body} (body null when empty). */
export async function api(method, path, body, token = ADMIN_TOKEN) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(BASE + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Saves a screenshot under ARTIFACTS and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The runner's control endpoint (see crates/server/tests/browser.rs). */
export const CONTROL = process.env.LUOT_CONTROL_URL;

/** Restarts the server on the same address and database. */
export async function restartServer() {
  const r = await fetch(`${CONTROL}/restart`, { method: 'POST' });
  if (!r.ok) throw new Error(`restart failed: ${r.status}`);
}

/** Moves the server's clock to an RFC 3339 instant. */
export async function setNow(at) {
  const r = await fetch(`${CONTROL}/now`, { method: 'POST', body: at });
  if (!r.ok) throw new Error(`setting the clock failed: ${r.status}`);
}

/** One masked client-to-server WebSocket frame (RFC 6455 5.2). */
function frame(opcode, payload) {
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126
    ? Buffer.from([0x80 | opcode, 0x80 | n])
    : Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([head, mask, payload.map((b, i) => b ^ mask[i % 4])]);
}

/**
 * Connects as a kiosk's print agent (what `luot-kiosk` does) with a device
 * token: `send(message)` sends one JSON message (`{type: 'hello', printer:
 * 'paper_out', paper: '80', version: 'test'}`), `close()` hangs up. Node 20 has
 * no WebSocket client that sends an Authorization header, hence the handshake
 * by hand; what the server sends is ignored.
 */
export function kioskAgent(token = KIOSK_TOKEN) {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/api/v1/kiosks/me/agent', BASE), {
      headers: {
        authorization: `Bearer ${token}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.on('data', () => {});
      socket.on('error', () => {});
      resolve({
        send: (msg) => socket.write(frame(0x1, Buffer.from(JSON.stringify(msg)))),
        close: () => new Promise((done) => {
          socket.on('close', done);
          socket.end(frame(0x8, Buffer.alloc(0)));
        }),
      });
    });
    req.on('response', (res) => reject(new Error(`the agent endpoint answered ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A fake turn notifier: a local listener taking the webhook notices
 * (`notice.near`, `notice.called`) and set as the demo centre's notifier
 * ("ahead" 50, so a new ticket is near at once). `seen` lists {event, body};
 * `next(pred)` resolves with the first notice matching `pred` (within 15 s);
 * `close()` removes the notifier and stops the listener.
 */
export async function fakeNotifier() {
  const seen = [];
  const waiters = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => { text += c; });
    req.on('end', () => {
      const n = { event: req.headers['x-luot-event'], body: JSON.parse(text) };
      seen.push(n);
      for (const w of waiters.filter((w) => w.pred(n))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(n);
      }
      res.end('ok');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/notice`;
  const set = await api('PUT', '/api/v1/admin/centres/mo-cay/notifier',
    { kind: 'webhook', url, secret: 'a secret of sixteen characters', ahead: 50 });
  if (set.status !== 204) throw new Error(`setting the notifier failed: ${set.status}`);
  return {
    seen,
    next(pred) {
      const found = seen.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve };
        waiters.push(w);
        setTimeout(() => {
          if (waiters.includes(w)) reject(new Error(`no such notice within 15 s; seen ${JSON.stringify(seen)}`));
        }, 15_000).unref();
      });
    },
    async close() {
      await api('DELETE', '/api/v1/admin/centres/mo-cay/notifier');
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
