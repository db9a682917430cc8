// Replying from the thread pane: `r` focuses the reply box and a sent reply shows up on
// the timeline at once, without reloading the page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiGet,
  eventually,
  focused,
  inboxId,
  inboxPage,
  login,
  markDocument,
  rowIds,
  sameDocument,
  screenshot,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('reply');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('a reply typed after pressing r and sent appears in the thread without a reload', { timeout: 120_000 }, async () => {
  await withBrowser('reply', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const ui = inboxPage(page);
    const supportId = await inboxId(page, server.url, 'Support');
    await page.goto(`${server.url}/inboxes/${supportId}?view=all`);
    await ui.rows.first().waitFor({ state: 'visible' });
    const [id] = await rowIds(page);

    await page.goto(`${server.url}/inboxes/${supportId}?view=all&c=${encodeURIComponent(id)}`);
    await ui.subject.waitFor({ state: 'visible' });
    const entriesBefore = await ui.entries.count();
    assert.ok(entriesBefore > 0, 'the open conversation has a timeline');

    await page.keyboard.press('r');
    assert.equal(await focused(page), 'reply-body', '`r` focuses the reply box');
    assert.equal(await ui.replyBody.inputValue(), '', 'the `r` is not typed into the reply');

    const text = `E2E reply ${Date.now()} with thanks`;
    await page.keyboard.type(text);
    const mark = await markDocument(page);
    await ui.replySend.click();

    const entry = ui.entries.filter({ hasText: text });
    await entry.first().waitFor({ state: 'visible' });
    await eventually(async () => assert.equal(await entry.count(), 1, 'the reply appears once'));
    assert.equal(await entry.first().getAttribute('data-kind'), 'message', 'a reply is a message entry');
    assert.ok(await sameDocument(page, mark), 'the reply appeared without a page reload');
    assert.ok((await ui.entries.count()) > entriesBefore, 'the timeline grew');

    const timeline = await apiGet(page, server.url, `/api/v1/conversations/${id}/timeline`);
    assert.ok(JSON.stringify(timeline).includes(text), 'the reply is stored on the timeline');
    await screenshot(page, 'reply.png');
  });
});
