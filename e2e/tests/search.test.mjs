// Search: `/` focuses the box, Enter runs the query (it lands in the URL) and the list
// keeps only matching conversations.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  eventually,
  focused,
  inboxId,
  inboxPage,
  login,
  queryParam,
  screenshot,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('search');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('searching for refund shows only conversations about a refund', { timeout: 120_000 }, async () => {
  await withBrowser('search', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    const supportId = await inboxId(page, server.url, 'Support');
    await page.goto(`${server.url}/inboxes/${supportId}?view=all`);
    await ui.rows.first().waitFor({ state: 'visible' });

    // Without a query the list holds more than refunds, or filtering would prove nothing.
    const before = await ui.rows.allInnerTexts();
    assert.ok(
      before.some((text) => !/refund/i.test(text)),
      'Support lists some conversations that are not about a refund',
    );

    await page.keyboard.press('/');
    await eventually(async () => assert.equal(await focused(page), 'search', '`/` focuses the search box'));
    assert.equal(await ui.search.inputValue(), '', 'the `/` that focused the box is not typed into it');
    await page.keyboard.type('refund');
    await page.keyboard.press('Enter');

    await page.waitForURL((u) => new URL(u).searchParams.get('q') === 'refund');
    assert.equal(queryParam(page, 'q'), 'refund');
    await eventually(async () => {
      const texts = await ui.rows.allInnerTexts();
      assert.ok(texts.length > 0, 'at least one conversation matches "refund"');
      for (const text of texts) {
        assert.match(text, /refund/i, `every row mentions a refund, got: ${text.replace(/\s+/g, ' ')}`);
      }
      assert.ok(texts.length < before.length, 'the search narrowed the list');
    });
    await screenshot(page, 'search-refund.png');
  });
});
