// Team collaboration on one conversation, with two browsers side by side:
// Ana sees Ben's avatar and typing indicator when he writes a reply, Ben reassigns the
// conversation to the team Tier 2 and Ana's header follows, Ana @mentions Ben in an
// internal comment and his bell counts it and leads him to the comment, then Ana
// deletes it and it disappears from Ben's thread. All without a reload.
// A core-seat user (Chen) is told presence needs a service seat; the Insert menu fills
// a snippet's variables.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  apiGet,
  apiLogin,
  apiPost,
  eventually,
  focused,
  inboxId,
  inboxPage,
  login,
  markDocument,
  sameDocument,
  screenshot,
  watchRealtime,
  withBrowser,
} from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('collaboration');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

/** Locators of the collaboration parts of the inbox page (the `data-test` contract). */
function collab(page) {
  return {
    owner: page.locator('[data-test=thread] [data-test=owner-menu]'),
    ownerOptions: page.locator('[data-test=owner-options]'),
    ownerOption: page.locator('[data-test=owner-options] [data-test=owner-option]'),
    tabReply: page.locator('[data-test=tab-reply]'),
    tabComment: page.locator('[data-test=tab-comment]'),
    commentBody: page.locator('[data-test=comment-body]'),
    commentSend: page.locator('[data-test=comment-send]'),
    commentError: page.locator('[data-test=comment-error]'),
    toolbar: page.locator('[data-test=comment-toolbar]'),
    mentionMenu: page.locator('[data-test=mention-menu]'),
    presence: page.locator('[data-test=presence]'),
    typing: page.locator('[data-test=typing]'),
    collision: page.locator('[data-test=collision-warning]'),
    presenceNote: page.locator('[data-test=presence-note]'),
    bell: page.locator('[data-test=bell]'),
    bellCount: page.locator('[data-test=bell-count]'),
    notifications: page.locator('[data-test=notifications]'),
    insert: page.locator('[data-test=insert-menu]'),
    insertOptions: page.locator('[data-test=insert-options]'),
  };
}

/** The unread count the bell shows (0 when the badge is hidden). */
async function bellCount(page) {
  const badge = collab(page).bellCount;
  if (!(await badge.isVisible())) return 0;
  return Number((await badge.innerText()).replace('+', '')) || 0;
}

/** Open conversations of an inbox, as the API lists them. */
async function openConversations(page, inbox) {
  const body = await apiGet(page, server.url, `/api/v1/inboxes/${inbox}/conversations?status=open&assignee=any&limit=50`);
  return body.items.filter((c) => (c.kind ?? 'conversation') === 'conversation');
}

/** The name of a conversation's assignee as the API answers it now. */
async function assigneeName(page, conversationId) {
  const c = await apiGet(page, server.url, `/api/v1/conversations/${conversationId}`);
  if (!c.assignee) return 'Unassigned';
  const path = c.assignee.type === 'team' ? '/api/v1/teams' : '/api/v1/users';
  const { items } = await apiGet(page, server.url, path);
  return items.find((x) => String(x.id) === String(c.assignee.id))?.name;
}

/** True when `inner` lies within the visible part of `outer` (both locators). */
async function withinView(inner, outer) {
  const [a, b] = [await inner.boundingBox(), await outer.boundingBox()];
  return Boolean(a && b && a.y >= b.y - 1 && a.y + Math.min(a.height, 40) <= b.y + b.height + 1);
}

test('two agents on one thread: presence and typing, reassign to a team, @mention, notification, delete', { timeout: 300_000 }, async () => {
  await withBrowser('collaboration-ana', async (ana) => {
    await withBrowser('collaboration-ben', async (ben) => {
      // ----- Ana opens a Support conversation that Tier 2 does not own yet.
      await login(ana.page, server.url, USERS.ana, PASSWORD);
      const supportId = await inboxId(ana.page, server.url, 'Support');
      const { items: teams } = await apiGet(ana.page, server.url, '/api/v1/teams');
      const tier2 = teams.find((t) => t.name === 'Tier 2');
      assert.ok(tier2, 'the demo has the team Tier 2');
      const open = await openConversations(ana.page, supportId);
      const candidates = open.filter((c) => !(c.assignee?.type === 'team' && String(c.assignee.id) === String(tier2.id)));
      assert.ok(candidates.length >= 2, 'Support has two open conversations not owned by Tier 2');
      const x = String(candidates[0].id);
      const y = String(candidates[1].id);
      const threadUrl = (id) => `${server.url}/inboxes/${supportId}?c=${encodeURIComponent(id)}`;

      const anaUi = { ...inboxPage(ana.page), ...collab(ana.page) };
      const anaSocket = watchRealtime(ana.page);
      await ana.page.goto(threadUrl(x));
      await anaUi.subject.waitFor({ state: 'visible' });
      await anaSocket.ready();
      const anaMark = await markDocument(ana.page);

      // ----- Ben opens the same conversation and types a reply.
      await login(ben.page, server.url, USERS.ben, PASSWORD);
      const benUser = (await apiGet(ben.page, server.url, '/api/v1/users')).items.find((u) => u.email === USERS.ben);
      const benUi = { ...inboxPage(ben.page), ...collab(ben.page) };
      const benSocket = watchRealtime(ben.page);
      await ben.page.goto(threadUrl(x));
      await benUi.subject.waitFor({ state: 'visible' });
      await benSocket.ready();
      const benMark = await markDocument(ben.page);

      await benUi.replyBody.click();
      await ben.page.keyboard.type('Looking into this one now', { delay: 40 });

      // Ana sees Ben's avatar, that he is typing, and a warning that he is replying.
      const benAvatar = anaUi.presence.locator(`[data-user-id="${benUser.id}"]`);
      await benAvatar.waitFor({ state: 'visible' });
      await eventually(async () =>
        assert.match(await benAvatar.getAttribute('data-tip'), /^Ben Okafor is replying/, 'the tooltip says what Ben does'),
      );
      await anaUi.typing.filter({ hasText: 'Ben is typing' }).waitFor({ state: 'visible' });
      await anaUi.collision.filter({ hasText: 'Ben is replying' }).waitFor({ state: 'visible' });
      await screenshot(ana.page, 'collaboration-presence.png');
      // Typing stops after a few idle seconds; the avatar stays while Ben has a draft.
      await anaUi.typing.waitFor({ state: 'hidden', timeout: 12_000 });
      assert.ok(await benAvatar.isVisible(), 'Ben is still shown while his draft is open');

      // `a` opens Ana's owner menu, Esc closes it.
      await ana.page.locator('[data-test=thread-subject]').click();
      await ana.page.keyboard.press('a');
      await anaUi.ownerOptions.waitFor({ state: 'visible' });
      assert.equal(await focused(ana.page), 'owner-filter', '`a` puts the caret in the owner search');
      const kinds = await anaUi.ownerOption.evaluateAll((os) => os.map((o) => o.dataset.type));
      assert.ok(kinds.includes('user') && kinds.includes('team') && kinds.includes('none'), `people, teams and Unassign: ${kinds}`);
      await ana.page.keyboard.press('Escape');
      await anaUi.ownerOptions.waitFor({ state: 'hidden' });

      // ----- Ben reassigns to the team Tier 2 through the owner menu.
      await benUi.owner.click();
      await benUi.ownerOptions.waitFor({ state: 'visible' });
      await ben.page.keyboard.type('tier');
      const visibleOptions = benUi.ownerOption.filter({ visible: true });
      await eventually(async () => assert.equal(await visibleOptions.count(), 1, 'typing filters the menu'));
      assert.equal(await visibleOptions.first().getAttribute('data-type'), 'team');
      assert.equal(await visibleOptions.first().getAttribute('data-id'), String(tier2.id));
      await screenshot(ben.page, 'collaboration-owner-menu.png');
      await ben.page.keyboard.press('Enter');
      await benUi.ownerOptions.waitFor({ state: 'hidden' });

      // Round-robin may hand it to a member of Tier 2; the header shows whoever owns it.
      let expected;
      await eventually(async () => {
        const c = await apiGet(ana.page, server.url, `/api/v1/conversations/${x}`);
        assert.ok(c.assignee, 'the conversation has an owner');
        expected = await assigneeName(ana.page, x);
      });
      await eventually(async () =>
        assert.match(await anaUi.owner.innerText(), new RegExp(expected), `Ana's owner button shows ${expected}`),
      );
      await eventually(async () =>
        assert.match(await benUi.owner.innerText(), new RegExp(expected), `Ben's owner button shows ${expected}`),
      );
      await anaUi.entries.filter({ hasText: /Ben Okafor assigned this/ }).first().waitFor({ state: 'visible' });
      const anaRowOwner = ana.page.locator(`[data-test=conversation-row][data-id="${x}"] .avatar-xs`);
      await eventually(async () => assert.equal(await anaRowOwner.getAttribute('title'), `Assigned to ${expected}`));
      assert.ok(await sameDocument(ana.page, anaMark), "Ana's page updated without a reload");

      // Ben moves on to another conversation; his presence on X goes away for Ana.
      await ben.page.locator(`[data-test=conversation-row][data-id="${y}"]`).click();
      await ben.page.waitForURL((u) => new URL(u).searchParams.get('c') === y);
      await benAvatar.waitFor({ state: 'hidden' });
      const unreadBefore = await bellCount(ben.page);

      // ----- Ana writes an internal comment mentioning Ben, with an attachment.
      await ana.page.locator('[data-test=thread-subject]').click();
      await ana.page.keyboard.press('c');
      assert.equal(await focused(ana.page), 'comment-body', '`c` opens the Comment tab and focuses it');
      assert.equal(await anaUi.tabComment.getAttribute('aria-selected'), 'true');
      await anaUi.toolbar.waitFor({ state: 'visible' });
      await ana.page.keyboard.type('Thanks @Be');
      await anaUi.mentionMenu.waitFor({ state: 'visible' });
      const mentionOptions = anaUi.mentionMenu.locator('[data-test=mention-option]').filter({ visible: true });
      assert.deepEqual(
        await mentionOptions.evaluateAll((os) => os.map((o) => o.dataset.name)),
        ['Ben Okafor'],
        'the autocomplete narrows to Ben',
      );
      await screenshot(ana.page, 'collaboration-mention-menu.png');
      await ana.page.keyboard.press('Enter');
      await anaUi.mentionMenu.waitFor({ state: 'hidden' });
      await ana.page.keyboard.type('can you double-check the refund? It is ');
      await anaUi.toolbar.locator('[data-format=bold]').click();
      await ana.page.keyboard.type('urgent');
      const draft = await anaUi.commentBody.inputValue();
      assert.equal(draft, 'Thanks @Ben Okafor can you double-check the refund? It is **urgent**');
      await ana.page.locator('[data-test=comment-file]').setInputFiles({
        name: 'refund-receipt.txt',
        mimeType: 'text/plain',
        buffer: Buffer.from('Refund RF-99231, 49.90 EUR\n'),
      });
      const chip = ana.page.locator('[data-test=attachment-chip]');
      await eventually(async () => assert.match(await chip.getAttribute('class'), /is-done/, 'the upload finishes'));
      await screenshot(ana.page, 'collaboration-comment-draft.png');
      await ana.page.keyboard.press('Control+Enter');

      const comment = anaUi.entries.filter({ hasText: 'double-check the refund' });
      await comment.first().waitFor({ state: 'visible' });
      assert.equal(await comment.first().getAttribute('data-kind'), 'comment');
      const commentId = await comment.first().getAttribute('data-id');
      await comment.first().locator('.mention', { hasText: '@Ben Okafor' }).waitFor({ state: 'visible' });
      await comment.first().locator('strong', { hasText: 'urgent' }).waitFor({ state: 'visible' });
      await comment.first().locator('[data-test=attachment]', { hasText: 'refund-receipt.txt' }).waitFor({ state: 'visible' });
      assert.equal(await anaUi.commentBody.inputValue(), '', 'the comment box is cleared');
      await screenshot(ana.page, 'collaboration-comment.png');

      // ----- Ben's bell counts the mention; the notification opens the comment.
      await eventually(async () => assert.equal(await bellCount(ben.page), unreadBefore + 1, "Ben's bell counts the mention"));
      await benUi.bell.click();
      await benUi.notifications.waitFor({ state: 'visible' });
      const note = benUi.notifications.locator('[data-test=notification]').first();
      await note.waitFor({ state: 'visible' });
      assert.match(await note.innerText(), /Ana Lima/, 'the newest notification is about Ana');
      assert.match(await note.getAttribute('class'), /is-unread/);
      await screenshot(ben.page, 'collaboration-notifications.png');
      await note.click();
      await ben.page.waitForURL((u) => new URL(u).searchParams.get('c') === x);
      await benUi.notifications.waitFor({ state: 'hidden' });
      const benComment = ben.page.locator(`#entry-${commentId}`);
      await benComment.waitFor({ state: 'visible' });
      assert.equal(new URL(ben.page.url()).hash, `#entry-${commentId}`, 'the link names the comment');
      await eventually(async () =>
        assert.ok(await withinView(benComment, ben.page.locator('.timeline')), 'the timeline is scrolled to the comment'),
      );
      await eventually(async () => assert.equal(await bellCount(ben.page), unreadBefore, 'opening it marks it read'));
      assert.ok(await sameDocument(ben.page, benMark), "Ben's page did not reload");
      await screenshot(ben.page, 'collaboration-notification-opened.png');
      const download = await benComment.locator('[data-test=attachment]').getAttribute('href');
      const file = await ben.page.request.get(`${server.url}${download}`);
      assert.equal(file.status(), 200, 'Ben can download the attachment');
      assert.equal(await file.text(), 'Refund RF-99231, 49.90 EUR\n');

      // ----- Ana deletes her comment; it disappears from Ben's thread.
      const anaComment = ana.page.locator(`#entry-${commentId}`);
      await anaComment.hover();
      await anaComment.locator('[data-test=comment-actions]').click();
      await anaComment.locator('[data-test=delete-comment]').click();
      const confirm = ana.page.locator('[data-test=confirm-dialog]');
      await confirm.waitFor({ state: 'visible' });
      await screenshot(ana.page, 'collaboration-delete-confirm.png');
      await confirm.locator('[data-test=confirm-ok]').click();
      await anaComment.waitFor({ state: 'detached' });
      await benComment.waitFor({ state: 'detached' });
      assert.ok(await sameDocument(ben.page, benMark), 'the comment left Ben\'s thread without a reload');
      assert.ok(await sameDocument(ana.page, anaMark), "Ana's page never reloaded");

      // ----- The dark theme: Ben writes a note to Ana while she watches.
      for (const p of [ana.page, ben.page]) await p.locator('[data-test=theme-toggle]').click();
      const anaUnread = await bellCount(ana.page);
      await benUi.tabComment.click();
      await ben.page.keyboard.type('Refund confirmed with finance, thanks @An', { delay: 30 });
      await benUi.mentionMenu.waitFor({ state: 'visible' });
      await ben.page.keyboard.press('Enter');
      await eventually(async () =>
        assert.match(await benAvatar.getAttribute('data-tip'), /^Ben Okafor is writing a note/),
      );
      await anaUi.typing.filter({ hasText: 'Ben is typing' }).waitFor({ state: 'visible' });
      assert.ok(await anaUi.collision.isHidden(), 'a note is no reply collision');
      await screenshot(ana.page, 'collaboration-dark.png');
      await ben.page.keyboard.press('Control+Enter');
      const benNote = anaUi.entries.filter({ hasText: 'Refund confirmed with finance' });
      await benNote.first().waitFor({ state: 'visible' });
      await benNote.first().locator('.mention', { hasText: '@Ana Lima' }).waitFor({ state: 'visible' });
      await eventually(async () => assert.equal(await bellCount(ana.page), anaUnread + 1, "Ana's bell counts Ben's mention"));
      await anaUi.bell.click();
      await anaUi.notifications.locator('[data-test=notification].is-unread').first().waitFor({ state: 'visible' });
      await screenshot(ana.page, 'collaboration-notifications-dark.png');
      await ana.page.keyboard.press('Escape');
      await anaUi.notifications.waitFor({ state: 'hidden' });
      await anaUi.tabComment.click();
      await ana.page.keyboard.type('@O');
      await anaUi.mentionMenu.waitFor({ state: 'visible' });
      await screenshot(ana.page, 'collaboration-mention-dark.png');
      await ana.page.keyboard.press('Escape');
      await anaUi.mentionMenu.waitFor({ state: 'hidden' });
      await benUi.owner.click();
      await benUi.ownerOptions.waitFor({ state: 'visible' });
      await ben.page.keyboard.press('ArrowDown');
      await screenshot(ben.page, 'collaboration-owner-menu-dark.png');
      await ben.page.keyboard.press('Escape');
      await benUi.ownerOptions.waitFor({ state: 'hidden' });
      assert.equal(await focused(ben.page), 'owner-menu', 'Esc gives focus back to the owner button');
    });
  });
});

test('a core seat is told that live presence needs a service seat', { timeout: 120_000 }, async () => {
  await withBrowser('collaboration-chen', async (chen) => {
    await login(chen.page, server.url, USERS.chen, PASSWORD);
    const supportId = await inboxId(chen.page, server.url, 'Support');
    const [first] = await openConversations(chen.page, supportId);
    const ui = { ...inboxPage(chen.page), ...collab(chen.page) };
    await chen.page.goto(`${server.url}/inboxes/${supportId}?c=${first.id}`);
    await ui.subject.waitFor({ state: 'visible' });
    await ui.presenceNote.waitFor({ state: 'visible' });
    assert.match(await ui.presenceNote.innerText(), /Live presence is available with a service seat/);
    assert.equal(await ui.presence.count(), 0, 'no presence avatars for a core seat');
    assert.equal(await ui.typing.count(), 0, 'no typing indicator for a core seat');
    const res = await chen.page.request.get(`${server.url}/api/v1/conversations/${first.id}/presence`);
    assert.equal(res.status(), 403, 'the server refuses presence to a core seat');
    assert.equal((await res.json()).error?.code, 'service_seat_required');
    await screenshot(chen.page, 'collaboration-core-seat.png');

    // Chen steps away (round-robin skips him) and comes back.
    const availability = chen.page.locator('[data-test=availability]');
    const label = chen.page.locator('[data-test=availability-label]');
    assert.equal(await label.innerText(), 'Available');
    await availability.click();
    await eventually(async () => assert.equal(await label.innerText(), 'Away'));
    assert.equal((await apiGet(chen.page, server.url, '/api/v1/users/me')).availability, 'away');
    await availability.click();
    await eventually(async () => assert.equal(await label.innerText(), 'Available'));
    assert.equal((await apiGet(chen.page, server.url, '/api/v1/users/me')).availability, 'available');
  });
});

test('the Insert menu puts a library snippet, variables filled, into the reply', { timeout: 120_000 }, async () => {
  await withBrowser('collaboration-insert', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const { csrfToken } = await apiLogin(page, server.url, USERS.ana, PASSWORD);
    const stamp = Date.now();
    await apiPost(page, server.url, '/api/v1/library', csrfToken, {
      kind: 'snippet',
      title: `Refund timeline ${stamp}`,
      body: 'Hi {{contact.name}}, refunds reach your card within 3–5 business days.',
    });
    await apiPost(page, server.url, '/api/v1/library', csrfToken, {
      kind: 'kb_article',
      title: `How refunds work ${stamp}`,
      body: 'Refunds go back to the original payment method within 3–5 business days.',
      url: 'https://help.acme.test/refunds',
    });
    const supportId = await inboxId(page, server.url, 'Support');
    const [first] = await openConversations(page, supportId);
    const ui = { ...inboxPage(page), ...collab(page) };
    await page.goto(`${server.url}/inboxes/${supportId}?c=${first.id}`);
    await ui.subject.waitFor({ state: 'visible' });
    const contact = (await apiGet(page, server.url, `/api/v1/conversations/${first.id}`)).contact;
    const contactName = contact.name ?? contact.email;

    await ui.insert.click();
    await ui.insertOptions.waitFor({ state: 'visible' });
    await page.keyboard.type(String(stamp));
    const options = ui.insertOptions.locator('[data-test=insert-option]');
    await eventually(async () => assert.equal(await options.count(), 2, 'both new items match the search'));
    await ui.insertOptions.locator('[data-test=insert-kind][data-kind=snippet]').click();
    await eventually(async () => {
      assert.equal(await options.count(), 1, 'the Snippets tab narrows to the snippet');
      assert.match(await options.first().innerText(), /Refund timeline/);
    });
    await screenshot(page, 'collaboration-insert-menu.png');
    await options.first().click();
    await ui.insertOptions.waitFor({ state: 'hidden' });
    await eventually(async () =>
      assert.equal(await ui.replyBody.inputValue(), `Hi ${contactName}, refunds reach your card within 3–5 business days.`),
    );

    // In the Comment tab, a knowledge-base article goes in as a Markdown link.
    await ui.tabComment.click();
    await ui.insert.click();
    await ui.insertOptions.locator('[data-test=insert-kind][data-kind=kb_article]').click();
    await page.keyboard.type(String(stamp));
    await page.keyboard.press('Enter'); // before the results arrive: picks the top one when they do
    await eventually(async () =>
      assert.equal(await ui.commentBody.inputValue(), `[How refunds work ${stamp}](https://help.acme.test/refunds)`),
    );

    // What the API refuses is said next to the Comment button, and the draft stays.
    const tooLong = 'x'.repeat(100_001);
    await ui.commentBody.fill(tooLong);
    await ui.commentSend.click();
    await ui.commentError.waitFor({ state: 'visible' });
    assert.match(await ui.commentError.innerText(), /longer than 100000 bytes/i);
    assert.equal((await ui.commentBody.inputValue()).length, tooLong.length, 'the draft is kept');
    await page.keyboard.type('!');
    await ui.commentError.waitFor({ state: 'hidden' });
  });
});
