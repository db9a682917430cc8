// The pure helpers of static/app.js behind the comment editor (Markdown toolbar,
// @mention detection, library inserts) and the avatars of live presence, run in the
// page itself: the module the page loaded is imported again by its own URL (the same
// instance, so nothing runs twice). The avatar rules must give what the server renders.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inboxId, inboxPage, login, withBrowser } from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { startServer } from '../lib/server.mjs';

let server;
before(async () => {
  server = await startServer('editor-helpers');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

test('Markdown edits, mention detection, library inserts and avatars behave as specified', { timeout: 120_000 }, async () => {
  await withBrowser('editor-helpers', async ({ page }) => {
    await login(page, server.url, USERS.ana, PASSWORD);
    const supportId = await inboxId(page, server.url, 'Support');
    await page.goto(`${server.url}/inboxes/${supportId}`);
    await inboxPage(page).rows.first().click();
    await page.locator('[data-test=mention-option]').first().waitFor({ state: 'attached' });

    const results = await page.evaluate(async () => {
      const m = await import(document.querySelector('script[type=module]').src);
      const apply = (kind, text, start, end) => {
        const c = m.markdownEdit(kind, text, start, end);
        const out = text.slice(0, c.from) + c.insert + text.slice(c.to);
        return [out, out.slice(c.selectFrom, c.selectTo)];
      };
      const avatars = [...document.querySelectorAll('[data-test=mention-option]')].map((o) => {
        const a = o.querySelector('.avatar');
        return {
          name: o.dataset.name,
          server: [a.firstChild.textContent.trim(), [...a.classList].find((c) => c.startsWith('tone-'))],
          client: [m.initials(o.dataset.name), `tone-${m.tone(o.dataset.id)}`],
        };
      });
      return {
        bold: apply('bold', 'make this loud', 10, 14),
        boldEmpty: apply('bold', 'x ', 2, 2),
        italic: apply('italic', 'soft', 0, 4),
        code: apply('code', 'run npm ci now', 4, 10),
        block: apply('code', 'a\nb', 0, 3),
        link: apply('link', 'see docs', 4, 8),
        linkUrl: apply('link', 'https://acme.test', 0, 17),
        ul: apply('ul', 'one\ntwo', 0, 7),
        ol: apply('ol', 'intro\none\ntwo', 6, 13),
        olAgain: apply('ol', '- one\n- two', 0, 11),
        q1: m.mentionQuery('Thanks @Be', 10),
        q2: m.mentionQuery('mail me@acme.test', 17),
        q3: m.mentionQuery('@', 1),
        q4: m.mentionQuery('hi @Ben Okafor ', 15),
        matches: [
          m.mentionMatches('Ben Okafor', 'ben okafor ben@acme.test', 'oka'),
          m.mentionMatches('Ben Okafor', 'ben okafor ben@acme.test', 'ben ok'),
          m.mentionMatches('Ben Okafor', 'ben okafor ben@acme.test', 'fo'),
        ],
        ids: m.mentionedIds('cc @Ben Okafor and @Olga Petrova, not @Ana Limas', [
          { id: 2, name: 'Ben Okafor' },
          { id: 3, name: 'Olga Petrova' },
          { id: 1, name: 'Ana Lima' },
        ]),
        quote: m.libraryMarkdown({ kind: 'quote', title: 'Grace Hopper', body: 'It is easier\nto ask forgiveness' }),
        doc: m.libraryMarkdown({ kind: 'document', title: 'Price list [2026]', attachment_url: '/api/v1/attachments/7' }),
        video: m.libraryMarkdown({ kind: 'video', title: 'Setup', url: 'https://video.acme.test/1' }),
        sizes: [m.fileSize(512), m.fileSize(1536), m.fileSize(20480), m.fileSize(3565158)],
        names: [m.namesSentence(['Ben']), m.namesSentence(['Ben', 'Olga']), m.namesSentence(['Ben', 'Olga', 'Eli', 'Ana'])],
        initials: ['Tier 2', 'hana.sato@example.com', '+1 555', 'Lucía García'].map(m.initials),
        avatars,
        origin: location.origin,
      };
    });

    assert.deepEqual(results.bold, ['make this **loud**', 'loud']);
    assert.deepEqual(results.boldEmpty, ['x **bold text**', 'bold text']);
    assert.deepEqual(results.italic, ['_soft_', 'soft']);
    assert.deepEqual(results.code, ['run `npm ci` now', 'npm ci']);
    assert.deepEqual(results.block, ['```\na\nb\n```', 'a\nb']);
    assert.deepEqual(results.link, ['see [docs](https://)', 'https://']);
    assert.deepEqual(results.linkUrl, ['[link text](https://acme.test)', 'link text']);
    assert.deepEqual(results.ul[0], '- one\n- two');
    assert.deepEqual(results.ol[0], 'intro\n1. one\n2. two');
    assert.deepEqual(results.olAgain[0], '1. one\n2. two');
    assert.deepEqual(results.q1, { start: 7, query: 'Be' });
    assert.equal(results.q2, null, 'an email address is not a mention');
    assert.deepEqual(results.q3, { start: 0, query: '' });
    assert.deepEqual(results.q4, { start: 3, query: 'Ben Okafor ' });
    assert.deepEqual(results.matches, [true, true, false]);
    assert.deepEqual(results.ids, [2, 3], 'only whole names count');
    assert.equal(results.quote, '> It is easier\n> to ask forgiveness\n> — Grace Hopper');
    assert.equal(results.doc, `[Price list 2026](${results.origin}/api/v1/attachments/7)`);
    assert.equal(results.video, '[Setup](https://video.acme.test/1)');
    assert.deepEqual(results.sizes, ['512 B', '1.5 KB', '20 KB', '3.4 MB']);
    assert.deepEqual(results.names, ['Ben', 'Ben and Olga', 'Ben, Olga and 2 more']);
    assert.deepEqual(results.initials, ['T2', 'HS', '#', 'LG']);
    assert.ok(results.avatars.length >= 3, 'the mention menu lists the inbox people');
    for (const a of results.avatars) {
      assert.deepEqual(a.client, a.server, `the browser draws ${a.name}'s avatar as the server does`);
    }
  });
});
