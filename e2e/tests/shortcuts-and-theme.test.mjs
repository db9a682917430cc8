// The shortcuts dialog (`?`), the light/dark theme toggle (persisted across reloads) and
// the two README screenshots of an inbox with a conversation open.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  eventually,
  inboxId,
  inboxPage,
  login,
  rowIds,
  screenshot,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { E2E_DIR, startServer } from '../lib/server.mjs';

const README_SHOTS = path.resolve(E2E_DIR, '../docs/screenshots');

let server;
before(async () => {
  server = await startServer('shortcuts-and-theme');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

const theme = (page) => page.evaluate(() => document.documentElement.dataset.theme ?? null);
const background = (page) =>
  page.evaluate(() => {
    const own = getComputedStyle(document.body).backgroundColor;
    const transparent = own === 'rgba(0, 0, 0, 0)' || own === 'transparent';
    return transparent ? getComputedStyle(document.documentElement).backgroundColor : own;
  });

/** True when `key` is listed in the dialog: as a <kbd>, else as a separate token. */
function lists(keys, text, key) {
  if (keys.length > 0) return keys.some((k) => k.trim().toLowerCase() === key.toLowerCase());
  const escaped = key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9])${escaped}([^A-Za-z0-9]|$)`, key.length === 1 ? '' : 'i').test(text);
}

test('? opens the shortcuts dialog, the theme toggle switches light and dark, and the README screenshots are taken', { timeout: 150_000 }, async () => {
  await withBrowser('shortcuts-and-theme', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    const supportId = await inboxId(page, server.url, 'Support');
    await page.goto(`${server.url}/inboxes/${supportId}?view=all`);
    await ui.rows.first().waitFor({ state: 'visible' });
    const [id] = await rowIds(page);
    const open = `${server.url}/inboxes/${supportId}?view=all&c=${encodeURIComponent(id)}`;
    await page.goto(open);
    await ui.subject.waitFor({ state: 'visible' });

    // Shortcuts dialog.
    assert.equal(await ui.shortcuts.isVisible(), false, 'the shortcuts dialog starts closed');
    await page.keyboard.press('?');
    await ui.shortcuts.waitFor({ state: 'visible' });
    const keys = await ui.shortcuts.locator('kbd').allInnerTexts();
    const text = await ui.shortcuts.innerText();
    for (const key of ['j', 'k', 'Enter', 'r', '/', '?']) {
      assert.ok(lists(keys, text, key), `the shortcuts dialog lists ${key}; it says: ${text.replace(/\s+/g, ' ')}`);
    }
    await screenshot(page, 'shortcuts.png');
    await page.keyboard.press('Escape');
    await ui.shortcuts.waitFor({ state: 'hidden', timeout: 3_000 }).catch(async () => {
      // Closing by Escape is not in the contract; start afresh so the screenshots are clean.
      await page.goto(open);
      await ui.subject.waitFor({ state: 'visible' });
    });

    // Theme toggle: light (the browser prefers light; no attribute counts as light)
    // <-> dark, persisted in localStorage.
    assert.ok([null, 'light'].includes(await theme(page)), `the page starts light, got ${await theme(page)}`);
    const lightBackground = await background(page);
    await ui.themeToggle.click();
    await eventually(async () => assert.equal(await theme(page), 'dark', 'the toggle switches to dark'));
    const darkBackground = await background(page);
    assert.notEqual(darkBackground, lightBackground, 'dark looks different from light');

    await page.reload();
    await ui.subject.waitFor({ state: 'visible' });
    assert.equal(await theme(page), 'dark', 'the dark theme survives a reload');
    await ui.entries.first().waitFor({ state: 'visible' });
    await screenshot(page, 'inbox-dark.png', path.join(README_SHOTS, 'inbox-dark.png'));

    await ui.themeToggle.click();
    await eventually(async () => assert.equal(await theme(page), 'light', 'the toggle switches back to light'));
    await page.reload();
    await ui.subject.waitFor({ state: 'visible' });
    assert.equal(await theme(page), 'light', 'the light theme survives a reload');
    await ui.entries.first().waitFor({ state: 'visible' });
    await screenshot(page, 'inbox-light.png', path.join(README_SHOTS, 'inbox-light.png'));
  });
});
