// Chromium (the system build, driven by playwright-core) and the small helpers every
// browser test needs: log in, wait for a condition, talk to the JSON API with the
// page's own session, keep evidence (screenshot, HTML, console) when a test fails.
//
// Every launch gets its own fresh profile directory, so two launches are two users
// that share nothing (cookies, localStorage, WebSockets).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { PASSWORD } from './demo.mjs';
import { OUT_DIR } from './server.mjs';

/** Chromium binary; `CHROMIUM_PATH` overrides the Debian location. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Upper bound for any single wait in a test. */
export const WAIT_MS = 15_000;

export const VIEWPORT = { width: 1440, height: 900 };

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // CI containers often have a tiny /dev/shm; Chromium crashes when it fills up.
  '--disable-dev-shm-usage',
];

/**
 * Launches Chromium with a fresh profile.
 *
 * @param {string} name used in artifact file names
 * @returns {Promise<{context: import('playwright-core').BrowserContext,
 *   page: import('playwright-core').Page, name: string, diagnostics: string[],
 *   close: () => Promise<void>}>}
 */
export async function launchBrowser(name = 'browser') {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: VIEWPORT,
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  const page = context.pages()[0] ?? (await context.newPage());

  const diagnostics = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') {
      diagnostics.push(`console.${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => diagnostics.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) =>
    diagnostics.push(`requestfailed: ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ''}`),
  );
  page.on('response', (res) => {
    if (res.status() >= 500) diagnostics.push(`HTTP ${res.status()}: ${res.request().method()} ${res.url()}`);
  });

  async function close() {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
  return { context, page, name, diagnostics, close };
}

/** A file-name-safe form of a test name. */
export function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

/**
 * Runs `fn` with a fresh browser and always closes it. On failure it saves a
 * screenshot and the HTML to e2e/out/ and prints the page's console errors, then
 * rethrows.
 */
export async function withBrowser(name, fn) {
  const browser = await launchBrowser(name);
  try {
    return await fn(browser);
  } catch (err) {
    await keepEvidence(browser).catch((e) => console.error(`could not save evidence: ${e.message}`));
    throw err;
  } finally {
    await browser.close();
  }
}

async function keepEvidence({ page, name, diagnostics }) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const base = path.join(OUT_DIR, `failure-${slug(name)}`);
  await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5_000 });
  fs.writeFileSync(`${base}.html`, await page.content());
  console.error(
    `[${name}] failed at ${page.url()}; screenshot ${base}.png` +
      (diagnostics.length ? `\n  browser said:\n    ${diagnostics.slice(-30).join('\n    ')}` : ''),
  );
}

/** Saves a viewport screenshot to e2e/out/<file> (and to any extra paths). */
export async function screenshot(page, file, ...extraPaths) {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const target = path.join(OUT_DIR, file);
  await page.screenshot({ path: target, animations: 'disabled', caret: 'hide' });
  for (const extra of extraPaths) {
    fs.mkdirSync(path.dirname(extra), { recursive: true });
    fs.copyFileSync(target, extra);
  }
  return target;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Retries `check` (which throws while the condition is false) until it passes or
 * `timeout` ms have passed; then rethrows the last error.
 */
export async function eventually(check, { timeout = WAIT_MS, interval = 200 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) {
        err.message = `still failing after ${timeout} ms: ${err.message}`;
        throw err;
      }
    }
    await sleep(interval);
  }
}

/** Fills and submits the login form without waiting for the outcome. */
export async function submitLogin(page, url, email, password) {
  await page.goto(`${url}/login`);
  const form = page.locator('[data-test=login-form]');
  await form.waitFor({ state: 'visible' });
  await form.locator('input[name=email]').fill(email);
  await form.locator('input[name=password]').fill(password);
  await form.locator('[data-test=login-submit]').click();
}

/** Logs in through the form and waits until an inbox page is shown. */
export async function login(page, url, email, password) {
  await submitLogin(page, url, email, password);
  await page.waitForURL(/\/inboxes\/[^/?#]+/, { timeout: WAIT_MS });
  await page.locator('[data-test=conversation-list]').waitFor({ state: 'visible' });
}

/**
 * Logs in through the JSON API with the page's own cookie jar and returns
 * `{user, csrfToken}`; later `page.request` calls carry the session cookie.
 */
export async function apiLogin(page, url, email, password = PASSWORD) {
  const res = await page.request.post(`${url}/api/v1/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`API login as ${email}: ${res.status()} ${await res.text()}`);
  const body = await res.json();
  if (!body.csrf_token) throw new Error(`API login answered no csrf_token: ${JSON.stringify(body)}`);
  return { user: body.user, csrfToken: body.csrf_token };
}

/** GET a JSON API path with the page's session; throws unless 2xx. */
export async function apiGet(page, url, apiPath) {
  const res = await page.request.get(`${url}${apiPath}`);
  if (!res.ok()) throw new Error(`GET ${apiPath}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** POST JSON with the page's session and the CSRF header; throws unless 2xx. */
export async function apiPost(page, url, apiPath, csrfToken, data) {
  const res = await page.request.post(`${url}${apiPath}`, {
    data,
    headers: { 'X-CSRF-Token': csrfToken },
  });
  if (!res.ok()) throw new Error(`POST ${apiPath}: ${res.status()} ${await res.text()}`);
  return res.json();
}

/** The visible inbox called `name`, as the API answers it (`{id, name, ...}`). */
export async function findInbox(page, url, name) {
  const { items } = await apiGet(page, url, '/api/v1/inboxes');
  const inbox = items.find((i) => i.name === name);
  if (!inbox) throw new Error(`no inbox "${name}" in ${JSON.stringify(items.map((i) => i.name))}`);
  return inbox;
}

/** The id, as a string (as it appears in URLs), of the visible inbox called `name`. */
export async function inboxId(page, url, name) {
  return String((await findInbox(page, url, name)).id);
}

/** Locators of the inbox page, named after the contract's `data-test` attributes. */
export function inboxPage(page) {
  return {
    switcher: page.locator('[data-test=inbox-switcher]'),
    inboxOptions: page.locator('[data-test=inbox-option]'),
    search: page.locator('[data-test=search]'),
    list: page.locator('[data-test=conversation-list]'),
    rows: page.locator('[data-test=conversation-list] [data-test=conversation-row]'),
    thread: page.locator('[data-test=thread]'),
    subject: page.locator('[data-test=thread] [data-test=thread-subject]'),
    entries: page.locator('[data-test=thread] [data-test=entry]'),
    replyBody: page.locator('[data-test=reply-body]'),
    replySend: page.locator('[data-test=reply-send]'),
    shortcuts: page.locator('[data-test=shortcuts]'),
    themeToggle: page.locator('[data-test=theme-toggle]'),
  };
}

/** `data-id` of every conversation row, in list order. */
export async function rowIds(page) {
  return inboxPage(page).rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
}

/** A query parameter of the page's current URL. */
export function queryParam(page, name) {
  return new URL(page.url()).searchParams.get(name);
}

/** The element that has keyboard focus, as `data-test` (or tag name). */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? el.getAttribute('data-test') || el.tagName.toLowerCase() : null;
  });
}

/**
 * Marks the current document so a later `assertSameDocument` proves that no
 * reload or navigation happened in between.
 */
export async function markDocument(page) {
  const mark = `e2e-${Date.now()}-${Math.random()}`;
  await page.evaluate((m) => {
    window.__e2eDocumentMark = m;
  }, mark);
  return mark;
}

export async function sameDocument(page, mark) {
  return page.evaluate((m) => window.__e2eDocumentMark === m, mark);
}

/**
 * Starts recording the page's WebSockets; call before navigating. The returned
 * `ready()` resolves once a socket to the realtime endpoint is open and has sent
 * its first frame (its subscription), so live-update tests do not race it.
 */
export function watchRealtime(page) {
  const sockets = [];
  page.on('websocket', (ws) => {
    const entry = { ws, framesSent: 0, closed: false };
    ws.on('framesent', () => entry.framesSent++);
    ws.on('close', () => {
      entry.closed = true;
    });
    sockets.push(entry);
  });
  return {
    sockets,
    async ready() {
      const live = () => sockets.filter((s) => !s.closed && s.ws.url().includes('/realtime'));
      await eventually(
        () => {
          if (live().length === 0) {
            throw new Error(
              `no open WebSocket to /api/v1/realtime (seen: ${JSON.stringify(sockets.map((s) => s.ws.url()))})`,
            );
          }
        },
        { timeout: WAIT_MS },
      );
      // The contract has the client send `subscribe` frames; give it a moment to do so,
      // but a design that subscribes implicitly must not fail here.
      await eventually(
        () => {
          if (!live().some((s) => s.framesSent > 0)) throw new Error('no frame sent yet');
        },
        { timeout: 5_000 },
      ).catch(() => {});
      await sleep(500);
    },
  };
}

/**
 * Ids (as strings) of every item the API lists for an inbox, open and closed,
 * moved stubs included, following `next_cursor`.
 */
export async function listedConversationIds(page, url, inbox) {
  const ids = new Set();
  for (const status of ['open', 'closed']) {
    let cursor = null;
    for (let pageNo = 0; pageNo < 20; pageNo++) {
      const q = new URLSearchParams({ status, assignee: 'any', limit: '100' });
      if (cursor !== null && cursor !== undefined) q.set('cursor', String(cursor));
      const body = await apiGet(page, url, `/api/v1/inboxes/${inbox}/conversations?${q}`);
      for (const item of body.items) ids.add(String(item.id));
      cursor = body.next_cursor;
      if (cursor === null || cursor === undefined || body.items.length === 0) break;
    }
  }
  return ids;
}
