// Keyboard navigation of the conversation list: `j`/`k` move the selection, Enter opens
// the selected conversation in the thread pane.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiGet,
  eventually,
  inboxId,
  inboxPage,
  login,
  queryParam,
  rowIds,
  screenshot,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('keyboard-navigation');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

/** Index of every row with aria-selected="true". */
async function selectedIndexes(page) {
  return inboxPage(page).rows.evaluateAll((rows) =>
    rows.flatMap((r, i) => (r.getAttribute('aria-selected') === 'true' ? [i] : [])),
  );
}

test('j twice selects the third row, k goes back to the second and Enter opens it', { timeout: 120_000 }, async () => {
  await withBrowser('keyboard-navigation', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    const supportId = await inboxId(page, server.url, 'Support');
    await page.goto(`${server.url}/inboxes/${supportId}?view=all`);
    await ui.rows.nth(2).waitFor({ state: 'visible' });
    const ids = await rowIds(page);
    assert.ok(ids.length >= 3, `Support lists at least three conversations, got ${ids.length}`);
    assert.equal(queryParam(page, 'c'), null, 'no conversation is open yet');

    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await eventually(async () => assert.deepEqual(await selectedIndexes(page), [2], 'j j selects the third row'));

    await page.keyboard.press('k');
    await eventually(async () => assert.deepEqual(await selectedIndexes(page), [1], 'k selects the second row'));

    await page.keyboard.press('Enter');
    await page.waitForURL((u) => new URL(u).searchParams.get('c') === ids[1]);
    await ui.subject.waitFor({ state: 'visible' });
    const shown = (await ui.subject.innerText()).trim();
    assert.notEqual(shown, '', 'the thread shows a subject');
    const conversation = await apiGet(page, server.url, `/api/v1/conversations/${ids[1]}`);
    if (conversation.subject) {
      assert.ok(
        shown.includes(conversation.subject.trim()),
        `the thread shows "${conversation.subject}", got "${shown}"`,
      );
    }
    await screenshot(page, 'keyboard-navigation.png');
  });
});
