// The inbox switcher: picking another inbox changes the URL, the switcher's label and
// the list, which then holds only that inbox's conversations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiGet,
  eventually,
  inboxId,
  inboxPage,
  listedConversationIds,
  login,
  rowIds,
  screenshot,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('inbox-switching');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('picking Sales in the inbox switcher shows the Sales inbox and its conversations', { timeout: 120_000 }, async () => {
  await withBrowser('inbox-switching', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    const salesId = await inboxId(page, server.url, 'Sales');
    const supportId = await inboxId(page, server.url, 'Support');

    // Start from Support so that switching to Sales is a real change.
    await page.goto(`${server.url}/inboxes/${supportId}`);
    await ui.list.waitFor({ state: 'visible' });
    assert.match((await ui.switcher.innerText()).trim(), /Support/);

    await ui.switcher.click();
    const sales = ui.inboxOptions.filter({ hasText: /^\s*Sales\s*$/ });
    await sales.first().waitFor({ state: 'visible' });
    assert.ok((await ui.inboxOptions.count()) >= 2, 'the menu lists Ana\'s inboxes');
    await sales.first().click();

    await page.waitForURL((u) => new URL(u).pathname === `/inboxes/${salesId}`);
    await eventually(async () => {
      assert.match((await ui.switcher.innerText()).trim(), /Sales/);
    });

    // Every row shown belongs to Sales: the API lists it there, or (for anything the
    // list endpoint does not return) the conversation itself says so.
    const salesListed = await listedConversationIds(page, server.url, salesId);
    const supportListed = await listedConversationIds(page, server.url, supportId);
    await eventually(async () => {
      const ids = await rowIds(page);
      assert.ok(ids.length > 0, 'the Sales list shows conversations');
      for (const id of ids) {
        assert.ok(id, 'every row has a data-id');
        if (salesListed.has(id)) continue;
        const c = await apiGet(page, server.url, `/api/v1/conversations/${id}`);
        assert.equal(String(c.inbox_id), salesId, `row ${id} belongs to Sales`);
      }
      assert.ok(
        ids.some((id) => !supportListed.has(id)),
        'the list is not still showing Support',
      );
    });
    await screenshot(page, 'inbox-switching.png');
  });
});
