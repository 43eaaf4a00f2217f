// Shared helpers for the browser tests. The Rust runner
// (crates/server/tests/browser.rs) starts a fresh server with the demo centre
// (clock pinned to a working morning) for each *.test.mjs file and passes its
// address in LUOT_BASE_URL; LUOT_ARTIFACTS names a folder for screenshots.
// Credentials of the demo accounts and devices come in LUOT_ADMIN_TOKEN,
// LUOT_KIOSK_TOKEN, LUOT_RATING_TOKEN and LUOT_ACCOUNTS ({username: password}).
import { mkdirSync } from 'node:fs';
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
