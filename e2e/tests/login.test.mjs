// Logging in through the form: a wrong password is refused with a visible error and
// no session; the right one lands on an inbox.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  inboxPage,
  login,
  screenshot,
  submitLogin,
  withBrowser,
} from '../lib/browser.mjs';
import { INBOXES, PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('login');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('login fails with a wrong password and shows the error, then succeeds with the right one and lands on an inbox', { timeout: 120_000 }, async () => {
  await withBrowser('login', async ({ page }) => {
    await submitLogin(page, server.url, USERS.ana, 'not-the-password');
    const error = page.locator('[data-test=login-error]');
    await error.waitFor({ state: 'visible' });
    assert.notEqual((await error.innerText()).trim(), '', 'the login error has a message');
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/inboxes\//, 'a failed login stays off the inbox');
    const me = await page.request.get(`${server.url}/api/v1/inboxes`);
    assert.equal(me.status(), 401, 'a failed login gives no session');
    await screenshot(page, 'login-error.png');

    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    assert.match(new URL(page.url()).pathname, /^\/inboxes\/[^/]+$/);
    await ui.switcher.waitFor({ state: 'visible' });
    const current = (await ui.switcher.innerText()).trim();
    assert.ok(
      INBOXES.some((name) => current.includes(name)),
      `the inbox switcher names a demo inbox, got "${current}"`,
    );
    const session = await page.request.get(`${server.url}/api/v1/inboxes`);
    assert.equal(session.status(), 200, 'the form login opened a session the API accepts');
    await screenshot(page, 'login-success.png');
  });
});
