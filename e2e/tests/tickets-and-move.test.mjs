// Tickets in the contact column and "Move to another inbox" (issue #6):
// - an agent creates a ticket from a conversation's sidebar, then edits its stage;
// - Ana moves the Sales conversation "Upgrade to the Growth plan" to Support, assigned
//   to the contact owner, with a comment: her Sales list keeps a read-only stub while
//   Olga, watching Support in another browser, sees it arrive assigned to her, with the
//   comment and the conversation's ticket;
// - on the starter plan the … menu explains that moving needs a higher plan.
// Writes the screenshots docs/screenshots/tickets-sidebar.png and move-dialog.png.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import {
  apiGet,
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
import { E2E_DIR, serverBinary, startServer } from '../lib/server.mjs';

const SCREENSHOTS = path.resolve(E2E_DIR, '../docs/screenshots');

let server;
before(async () => {
  server = await startServer('tickets-and-move');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

/** Locators of the tickets section and the move dialog (the `data-test` contract). */
function ui(page) {
  return {
    ...inboxPage(page),
    tickets: page.locator('[data-test=tickets]'),
    ticketCreate: page.locator('[data-test=ticket-create]'),
    ticketForm: page.locator('[data-test=ticket-form]'),
    ticketSubject: page.locator('[data-test=ticket-form] [data-test=ticket-subject]'),
    ticketStage: page.locator('[data-test=ticket-form] [data-test=ticket-stage]'),
    ticketPriority: page.locator('[data-test=ticket-form] [data-test=ticket-priority]'),
    ticketOwner: page.locator('[data-test=ticket-form] [data-test=ticket-owner]'),
    ticketSave: page.locator('[data-test=ticket-form] [data-test=ticket-save]'),
    ticketError: page.locator('[data-test=ticket-form] [data-test=ticket-error]'),
    ticketItems: page.locator('[data-test=ticket-item]'),
    more: page.locator('[data-test=more-actions]'),
    moveItem: page.locator('[data-test=move-item]'),
    upgradeHint: page.locator('[data-test=move-upgrade-hint]'),
    dialog: page.locator('[data-test=move-dialog]'),
    inbox: page.locator('[data-test=move-inbox]'),
    specific: page.locator('[data-test=move-assign-specific]'),
    contactOwner: page.locator('[data-test=move-assign-contact_owner]'),
    unassigned: page.locator('[data-test=move-assign-unassigned]'),
    ownerName: page.locator('[data-test=move-contact-owner]'),
    fallbackUnassigned: page.locator('[data-test=move-fallback-unassigned]'),
    fallbackSpecific: page.locator('[data-test=move-fallback-specific]'),
    options: page.locator('[data-test=move-dialog] [data-test=move-option]'),
    filter: page.locator('[data-test=move-filter]'),
    comment: page.locator('[data-test=move-comment]'),
    submit: page.locator('[data-test=move-submit]'),
    error: page.locator('[data-test=move-error]'),
    toast: page.locator('#toast'),
  };
}

/** Open conversations of an inbox (moved stubs left out), as the API lists them. */
async function openConversations(page, inbox) {
  const body = await apiGet(page, server.url, `/api/v1/inboxes/${inbox}/conversations?status=open&assignee=any&limit=100`);
  return body.items.filter((c) => (c.kind ?? 'conversation') === 'conversation');
}

/** Gives the page focus outside any text field, so single-key shortcuts apply. */
async function focusThread(page) {
  await page.locator('[data-test=thread] [data-test=thread-subject]').click();
}

test('a ticket is created from the sidebar, then its stage is edited', { timeout: 120_000 }, async () => {
  await withBrowser('tickets-sidebar', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const support = await inboxId(page, server.url, 'Support');
    const open = await openConversations(page, support);
    const plain = [];
    for (const c of open) {
      const state = await apiGet(page, server.url, `/api/v1/conversations/${c.id}`);
      if (state.channel === 'email' && state.ticket_ids.length === 0) plain.push(state);
      if (plain.length) break;
    }
    assert.ok(plain.length, 'Support has an open email conversation without tickets');
    const conversation = plain[0];
    const id = String(conversation.id);
    const t = ui(page);
    await page.goto(`${server.url}/inboxes/${support}?c=${id}`);
    await t.tickets.waitFor({ state: 'visible' });
    assert.equal(await t.ticketItems.count(), 0, 'no tickets yet');
    await page.locator('[data-test=tickets-empty]').waitFor({ state: 'visible' });
    const mark = await markDocument(page);

    // The form opens prefilled with the conversation's subject; an empty subject is refused inline.
    await t.ticketCreate.click();
    await t.ticketForm.waitFor({ state: 'visible' });
    assert.equal(await focused(page), 'ticket-subject', 'the subject field has focus');
    assert.equal(await t.ticketSubject.inputValue(), conversation.subject, 'the subject starts as the conversation subject');
    assert.equal(await t.ticketStage.inputValue(), 'new');
    assert.equal(await t.ticketPriority.inputValue(), 'medium');
    await t.ticketSubject.fill('   ');
    await t.ticketPriority.selectOption('high');
    await t.ticketSave.click();
    await t.ticketError.filter({ hasText: 'subject' }).waitFor({ state: 'visible' });
    assert.equal(await t.ticketPriority.inputValue(), 'high', 'nothing typed is lost on an error');

    const subject = 'Replace the cracked jug';
    await t.ticketSubject.fill(subject);
    const ben = (await apiGet(page, server.url, '/api/v1/users')).items.find((u) => u.email === USERS.ben);
    await t.ticketOwner.selectOption(String(ben.id));
    await t.ticketSave.click();
    await t.ticketForm.waitFor({ state: 'detached' });
    const item = t.ticketItems.filter({ hasText: subject });
    await item.waitFor({ state: 'visible' });
    assert.match(await item.innerText(), /New/, 'the stage pill says New');
    assert.match(await item.innerText(), /High/, 'the priority shows');
    assert.equal(await item.locator('[data-test=ticket-item-owner]').getAttribute('aria-label'), 'Owner: Ben Okafor', 'the owner shows');
    const created = await apiGet(page, server.url, `/api/v1/conversations/${id}`);
    assert.equal(created.ticket_ids.length, 1, 'the conversation has the ticket');
    const ticketId = String(created.ticket_ids[0]);
    assert.equal(await item.getAttribute('data-id'), ticketId);

    // Editing: the item opens a filled form; changing the stage PATCHes the ticket.
    await item.click();
    await t.ticketForm.waitFor({ state: 'visible' });
    assert.equal(await t.ticketSubject.inputValue(), subject);
    assert.equal(await t.ticketPriority.inputValue(), 'high');
    assert.equal(await t.ticketOwner.inputValue(), String(ben.id));
    await t.ticketStage.selectOption('waiting_on_contact');
    await screenshot(page, 'tickets-edit.png');
    await t.ticketSave.click();
    await t.ticketForm.waitFor({ state: 'detached' });
    const edited = t.ticketItems.filter({ hasText: subject });
    await eventually(async () => assert.match(await edited.innerText(), /Waiting on contact/));
    const ticket = await apiGet(page, server.url, `/api/v1/tickets/${ticketId}`);
    assert.equal(ticket.stage, 'waiting_on_contact');
    assert.equal(ticket.priority, 'high');
    assert.equal(String(ticket.owner_id), String(ben.id));
    assert.ok(await sameDocument(page, mark), 'no reload');

    // Keyboard: Esc closes an open form and gives focus back to the ticket.
    await edited.focus();
    await page.keyboard.press('Enter');
    await t.ticketForm.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await t.ticketForm.waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'ticket-item');

    // A second ticket, to show the list with more than one stage in the screenshot.
    await t.ticketCreate.click();
    await t.ticketSubject.fill('Refund the delivery fee');
    await t.ticketPriority.selectOption('urgent');
    await page.keyboard.press('Control+Enter');
    await t.ticketItems.filter({ hasText: 'Refund the delivery fee' }).waitFor({ state: 'visible' });
    await page.mouse.move(5, 5);
    await page.locator('#toast').waitFor({ state: 'hidden', timeout: 6_000 }).catch(() => {});
    await screenshot(page, 'tickets-sidebar.png', path.join(SCREENSHOTS, 'tickets-sidebar.png'));
    await page.evaluate(() => {
      document.documentElement.dataset.theme = 'dark';
    });
    await screenshot(page, 'tickets-sidebar-dark.png');
  });
});

test('Ana moves a Sales conversation to Support for its contact owner; Olga sees it arrive live', { timeout: 180_000 }, async () => {
  await withBrowser('move-ana', async (ana) => {
    await withBrowser('move-olga', async (olga) => {
      await login(ana.page, server.url, USERS.ana, PASSWORD);
      const sales = await inboxId(ana.page, server.url, 'Sales');
      const support = await inboxId(ana.page, server.url, 'Support');
      const conversation = (await openConversations(ana.page, sales)).find((c) => c.subject === 'Upgrade to the Growth plan');
      assert.ok(conversation, 'the demo has "Upgrade to the Growth plan" in Sales');
      const id = String(conversation.id);
      const state = await apiGet(ana.page, server.url, `/api/v1/conversations/${id}`);
      assert.equal(state.channel, 'email');
      assert.ok(state.ticket_ids.length >= 1, 'the conversation has a ticket');
      const { items: users } = await apiGet(ana.page, server.url, '/api/v1/users');
      const olgaUser = users.find((u) => u.email === USERS.olga);
      const anaUser = users.find((u) => u.email === USERS.ana);

      // Olga watches Support.
      await login(olga.page, server.url, USERS.olga, PASSWORD);
      const olgaSocket = watchRealtime(olga.page);
      await olga.page.goto(`${server.url}/inboxes/${support}`);
      await ui(olga.page).list.waitFor({ state: 'visible' });
      await olgaSocket.ready();
      const olgaMark = await markDocument(olga.page);
      assert.equal(await olga.page.locator(`[data-test=conversation-row][data-id="${id}"]`).count(), 0, 'not in Support yet');

      // Ana opens it in Sales and presses m.
      const a = ui(ana.page);
      const anaSocket = watchRealtime(ana.page);
      await ana.page.goto(`${server.url}/inboxes/${sales}?c=${id}`);
      await a.subject.waitFor({ state: 'visible' });
      await anaSocket.ready();
      await a.ticketItems.filter({ hasText: 'Onboarding after the purchase' }).waitFor({ state: 'visible' });
      await focusThread(ana.page);
      await ana.page.keyboard.press('m');
      await a.dialog.waitFor({ state: 'visible' });
      assert.equal(await a.dialog.getAttribute('role'), 'dialog');
      assert.equal(await focused(ana.page), 'move-inbox', 'the inbox select has focus');
      assert.ok(await a.submit.isDisabled(), 'Move waits for an inbox');
      const choices = await a.inbox.locator('option:not([disabled])').allInnerTexts();
      assert.deepEqual(choices.map((c) => c.trim()).sort(), ['Billing', 'Support'], 'every other inbox, not Sales');

      // Esc closes it and gives focus back; the … menu opens it again.
      await ana.page.keyboard.press('Escape');
      await a.dialog.waitFor({ state: 'hidden' });
      await a.more.click();
      await a.moveItem.waitFor({ state: 'visible' });
      await a.moveItem.click();
      await a.dialog.waitFor({ state: 'visible' });

      // Specific: choosing Support greys out whoever cannot see it; ticking enables Move.
      await a.inbox.selectOption({ label: 'Support' });
      assert.ok(await a.specific.isChecked(), 'Specific users or teams is the default');
      assert.ok(await a.submit.isDisabled(), 'Specific needs somebody ticked');
      await ana.page.locator('.pick', { hasText: 'Tier 2' }).locator('[data-test=move-option]').check();
      assert.ok(await a.submit.isEnabled(), 'a ticked team enables Move');
      const salesTeam = ana.page.locator('.pick', { hasText: 'Sales Team' });
      assert.match(await salesTeam.innerText(), /No access to Support/, 'a team without access to Support is greyed out');
      assert.ok(await salesTeam.locator('[data-test=move-option]').isDisabled());
      await screenshot(ana.page, 'move-dialog-specific.png');
      await ana.page.locator('.pick', { hasText: 'Tier 2' }).locator('[data-test=move-option]').uncheck();
      await a.filter.fill('olga');
      const olgaOption = a.options.and(ana.page.locator(`[data-type=user][data-id="${olgaUser.id}"]`));
      await olgaOption.check();
      assert.ok(await a.submit.isEnabled(), 'Move is enabled once someone is ticked');
      await olgaOption.uncheck();
      await a.filter.fill('');

      // Tab stays in the dialog.
      for (let i = 0; i < 25; i++) {
        await ana.page.keyboard.press('Tab');
        assert.ok(await ana.page.evaluate(() => Boolean(document.activeElement?.closest('[data-test=move-dialog]'))), 'focus stays in the dialog');
      }

      // Contact owner, with a comment.
      await a.contactOwner.check();
      assert.match(await a.ownerName.innerText(), /Olga Petrova/, 'the contact owner is named');
      await a.fallbackUnassigned.waitFor({ state: 'visible' });
      assert.ok(await a.fallbackUnassigned.isChecked(), 'the fallback starts as Leave unassigned');
      assert.ok(await a.submit.isEnabled());
      const comment = 'She bought Growth today: please run the onboarding call this week.';
      await a.comment.fill(comment);
      await a.comment.focus();
      await screenshot(ana.page, 'move-dialog.png', path.join(SCREENSHOTS, 'move-dialog.png'));
      await ana.page.evaluate(() => {
        document.documentElement.dataset.theme = 'dark';
      });
      await screenshot(ana.page, 'move-dialog-dark.png');
      await ana.page.evaluate(() => {
        document.documentElement.dataset.theme = 'light';
      });

      await a.submit.click();
      await a.dialog.waitFor({ state: 'hidden' });
      await a.toast.filter({ hasText: 'Moved to Support' }).waitFor({ state: 'visible' });
      await ana.page.locator('[data-test=thread]').waitFor({ state: 'detached' });
      assert.equal(new URL(ana.page.url()).searchParams.get('c'), null, 'the thread is closed');

      // Ana's Sales list keeps a read-only stub.
      const stub = ana.page.locator('[data-test=moved-stub]').filter({ hasText: `Moved to Support by ${anaUser.name}` });
      await stub.waitFor({ state: 'visible' });
      assert.match(await stub.innerText(), /Moved to Support by Ana Lima · \d{1,2}:\d{2}/);
      await screenshot(ana.page, 'move-stub.png');

      // Olga's Support list shows it live, assigned to her.
      const row = olga.page.locator(`[data-test=conversation-row][data-id="${id}"]`);
      await row.waitFor({ state: 'visible' });
      await eventually(async () => assert.equal(await row.locator('.avatar-xs').getAttribute('title'), 'Assigned to Olga Petrova'));
      assert.ok(await sameDocument(olga.page, olgaMark), "Olga's list updated without a reload");
      await row.click();
      const o = ui(olga.page);
      await o.subject.filter({ hasText: 'Upgrade to the Growth plan' }).waitFor({ state: 'visible' });
      await o.entries.filter({ hasText: comment }).first().waitFor({ state: 'visible' });
      assert.equal(await o.entries.filter({ hasText: comment }).first().getAttribute('data-kind'), 'comment');
      await o.ticketItems.filter({ hasText: 'Onboarding after the purchase' }).waitFor({ state: 'visible' });
      assert.match(await olga.page.locator('[data-test=thread-assignee]').innerText(), /Olga Petrova/);
      await screenshot(olga.page, 'move-olga.png');

      const moved = await apiGet(ana.page, server.url, `/api/v1/conversations/${id}`);
      assert.equal(String(moved.inbox_id), support);
      assert.deepEqual(moved.assignee, { type: 'user', id: olgaUser.id });
    });
  });
});

test('a move refused by the server keeps the dialog open with what was entered', { timeout: 120_000 }, async () => {
  await withBrowser('move-error', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const support = await inboxId(page, server.url, 'Support');
    const conversation = (await openConversations(page, support))[0];
    const id = String(conversation.id);
    const t = ui(page);
    await page.goto(`${server.url}/inboxes/${support}?c=${id}`);
    await t.subject.waitFor({ state: 'visible' });
    await focusThread(page);
    await page.keyboard.press('m');
    await t.dialog.waitFor({ state: 'visible' });
    await t.inbox.selectOption({ label: 'Billing' });
    await t.unassigned.check();
    await t.comment.fill('Billing question, not support');
    // Someone else moves it meanwhile (to Sales): Ana's move now conflicts.
    const csrf = await page.evaluate(() => document.querySelector('meta[name="csrf-token"]')?.content);
    const sales = await inboxId(page, server.url, 'Sales');
    const res = await page.request.post(`${server.url}/api/v1/conversations/${id}/move`, {
      data: { inbox_id: Number(sales), assign: { mode: 'unassigned' } },
      headers: { 'X-CSRF-Token': csrf },
    });
    assert.equal(res.status(), 200, await res.text());
    await t.submit.click();
    await t.error.waitFor({ state: 'visible' });
    assert.ok(await t.dialog.isVisible(), 'the dialog stays open');
    assert.equal(await t.comment.inputValue(), 'Billing question, not support', 'the comment is kept');
    assert.equal(await t.inbox.inputValue(), String((await apiGet(page, server.url, '/api/v1/inboxes')).items.find((i) => i.name === 'Billing').id));
    assert.ok(await t.unassigned.isChecked());
    await screenshot(page, 'move-conflict.png');
    await page.keyboard.press('Escape');
    await t.dialog.waitFor({ state: 'hidden' });
  });
});

test('on the starter plan the … menu explains that moving needs a higher plan', { timeout: 120_000 }, async () => {
  const run = promisify(execFile);
  const setPlan = (plan) => run(serverBinary(), ['account', 'set-plan', 'Acme', plan, '--data-dir', server.dataDir], { cwd: server.dataDir });
  await setPlan('starter');
  try {
    await withBrowser('move-starter', async ({ page }) => {
      await login(page, server.url, USERS.ana, PASSWORD);
      const support = await inboxId(page, server.url, 'Support');
      const conversation = (await openConversations(page, support))[0];
      const t = ui(page);
      await page.goto(`${server.url}/inboxes/${support}?c=${conversation.id}`);
      await t.subject.waitFor({ state: 'visible' });
      assert.equal(await t.dialog.count(), 0, 'no move dialog on starter');
      await t.more.click();
      await t.moveItem.waitFor({ state: 'visible' });
      assert.equal(await t.moveItem.getAttribute('aria-disabled'), 'true');
      await t.upgradeHint.waitFor({ state: 'visible' });
      assert.match(await t.upgradeHint.innerText(), /Moving conversations is available on Professional and Enterprise plans/);
      await t.moveItem.click({ force: true }); // aria-disabled: Playwright would wait for it to be enabled
      assert.equal(await t.dialog.count(), 0, 'clicking the disabled item opens nothing');
      assert.ok(await t.upgradeHint.isVisible(), 'the hint stays');
      await screenshot(page, 'move-starter.png');
      await page.keyboard.press('Escape');
      await page.locator('[data-test=more-menu]').waitFor({ state: 'hidden' });
      assert.equal(await focused(page), 'more-actions', 'Esc gives focus back to the … button');
      // `m` shows the same hint.
      await page.keyboard.press('m');
      await t.upgradeHint.waitFor({ state: 'visible' });
      assert.equal(await t.dialog.count(), 0);
    });
  } finally {
    await setPlan('professional');
  }
});
