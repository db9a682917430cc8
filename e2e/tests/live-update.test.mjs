// Live updates over the WebSocket: what Ana does through the API shows up in Ben's open
// browser (a new conversation in the list, a reply in the open thread) without a reload.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiLogin,
  apiPost,
  findInbox,
  inboxPage,
  login,
  markDocument,
  rowIds,
  sameDocument,
  screenshot,
  watchRealtime,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('live-update');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('a conversation and a reply made by Ana appear in Ben\'s open inbox without a reload', { timeout: 150_000 }, async () => {
  await withBrowser('live-update-ana', async (ana) => {
    await withBrowser('live-update-ben', async (ben) => {
      // Ana: logged in, looking at Support.
      await login(ana.page, server.url, USERS.ana, PASSWORD);
      const support = await findInbox(ana.page, server.url, 'Support');
      const supportId = String(support.id);
      await ana.page.goto(`${server.url}/inboxes/${supportId}?view=all`);
      await inboxPage(ana.page).rows.first().waitFor({ state: 'visible' });

      // Ben: logged in, Support open with conversation X in the thread pane.
      await login(ben.page, server.url, USERS.ben, PASSWORD);
      const benUi = inboxPage(ben.page);
      await ben.page.goto(`${server.url}/inboxes/${supportId}?view=all`);
      await benUi.rows.first().waitFor({ state: 'visible' });
      const [x] = await rowIds(ben.page);
      const realtime = watchRealtime(ben.page);
      await ben.page.goto(`${server.url}/inboxes/${supportId}?view=all&c=${encodeURIComponent(x)}`);
      await benUi.subject.waitFor({ state: 'visible' });
      await realtime.ready();
      const mark = await markDocument(ben.page);

      // Ana creates a conversation through the API with her own session.
      const { csrfToken } = await apiLogin(ana.page, server.url, USERS.ana, PASSWORD);
      const stamp = Date.now();
      const subject = `Live update check ${stamp}`;
      const created = await apiPost(ana.page, server.url, '/api/v1/conversations', csrfToken, {
        inbox_id: support.id,
        channel: 'api',
        contact: { email: `live-${stamp}@customer.test`, name: 'Live Customer' },
        subject,
        body: 'Hello, this conversation was created while Ben was watching.',
      });
      const newId = String(created.id ?? created.conversation?.id);
      assert.ok(newId && newId !== 'undefined', `the API answered the new conversation: ${JSON.stringify(created)}`);

      const newRow = benUi.rows.filter({ hasText: subject });
      await newRow.first().waitFor({ state: 'visible' });
      assert.equal(await newRow.first().getAttribute('data-id'), newId, 'the new row is the new conversation');
      assert.ok(await sameDocument(ben.page, mark), 'the list updated without a reload');

      // Ana replies to X through the API; Ben's open thread shows it.
      const replyText = `Live reply ${stamp} from Ana`;
      await apiPost(ana.page, server.url, `/api/v1/conversations/${x}/replies`, csrfToken, { body: replyText });
      const entry = benUi.entries.filter({ hasText: replyText });
      await entry.first().waitFor({ state: 'visible' });
      assert.equal(await entry.first().getAttribute('data-kind'), 'message');
      assert.ok(await sameDocument(ben.page, mark), 'the thread updated without a reload');
      assert.equal(new URL(ben.page.url()).searchParams.get('c'), x, 'Ben still has X open');
      await screenshot(ben.page, 'live-update-ben.png');
    });
  });
});
