// The email channel in the thread (issue #4):
// - a real HTML mail (filed by the demo through the inbound mail path) renders
//   sanitized: its formatting and table show, its script does not exist, its remote
//   image is not fetched until the agent clicks "Show images", its quoted history is
//   folded behind a toggle, and its PDF is a download chip;
// - Forward (the `f` shortcut, then the button on an older message) opens a compose
//   window; a bad address is refused inside it with the input kept; "Send" adds a
//   forward entry with the yellow "Forwarded to …" bar, queued for delivery, which a
//   teammate watching the conversation sees appear live.
// - with a relay that refuses the recipient, a reply shows "Not delivered" with the
//   relay's answer; once the relay accepts again, Retry sends it and it shows "Sent".
// Writes the screenshots docs/screenshots/email-thread.png, email-forwarded.png and
// forward-dialog.png.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { apiGet, eventually, inboxId, inboxPage, login, screenshot, withBrowser } from '../lib/browser.mjs';
import { PASSWORD, USERS } from '../lib/demo.mjs';
import { E2E_DIR, freePort, startServer } from '../lib/server.mjs';

const SCREENSHOTS = path.resolve(E2E_DIR, '../docs/screenshots');
const SUBJECT = 'Mixer order #4471 arrived damaged';
const REMOTE_IMAGE = 'https://images.brooks-bakery.example/photos/cracked-bowl.jpg';
// Served in place of the remote image (tests never leave loopback).
const PHOTO = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160" viewBox="0 0 320 160">
  <rect width="320" height="160" rx="10" fill="#e9e4dc"/>
  <ellipse cx="160" cy="70" rx="92" ry="22" fill="#c9ccd3"/>
  <path d="M70 70 Q80 140 160 140 Q240 140 250 70 Z" fill="#dfe2e8" stroke="#a9aeb8" stroke-width="3"/>
  <path d="M150 92 l12 14 -8 10 14 18" fill="none" stroke="#6b4f3a" stroke-width="3" stroke-linecap="round"/>
  <text x="160" y="30" font-family="sans-serif" font-size="13" text-anchor="middle" fill="#6b6f78">IMG_2044.jpg</text>
</svg>`;

let server;
before(async () => {
  server = await startServer('email');
}, { timeout: 90_000 });
after(async () => {
  await server?.stop();
});

function ui(page) {
  return {
    ...inboxPage(page),
    mail: page.locator('[data-test=entry].is-email').filter({ has: page.locator('[data-test=email-html] table') }),
    html: page.locator('[data-test=email-html]').filter({ hasText: 'stand mixer' }),
    showImages: page.locator('[data-test=show-images]'),
    forwardButtons: page.locator('[data-test=forward]'),
    dialog: page.locator('[data-test=forward-dialog]'),
    to: page.locator('[data-test=forward-to]'),
    showCc: page.locator('[data-test=forward-show-cc]'),
    cc: page.locator('[data-test=forward-cc]'),
    message: page.locator('[data-test=forward-message]'),
    original: page.locator('[data-test=forward-original]'),
    send: page.locator('[data-test=forward-send]'),
    error: page.locator('[data-test=forward-error]'),
    forwards: page.locator('[data-test=entry][data-kind=forward]'),
    toast: page.locator('#toast'),
  };
}

/** The id of the demo's HTML mail conversation in Support. */
async function mailConversation(page) {
  const support = await inboxId(page, server.url, 'Support');
  const list = await apiGet(page, server.url, `/api/v1/inboxes/${support}/conversations?status=open&assignee=any&limit=100`);
  const found = list.items.find((c) => c.subject === SUBJECT);
  assert.ok(found, `Support lists "${SUBJECT}"`);
  return { support, id: String(found.id) };
}

test('an email renders sanitized, images on request, quote folded; forward shows the yellow bar', { timeout: 150_000 }, async () => {
  await withBrowser('email-ana', async ({ page }) => {
    await withBrowser('email-ben', async ({ page: benPage }) => {
      const remoteRequests = [];
      await page.route('https://images.brooks-bakery.example/**', (route) => {
        remoteRequests.push(route.request().url());
        return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PHOTO });
      });
      await login(page, server.url, USERS.ana, PASSWORD);
      const { support, id } = await mailConversation(page);
      const t = ui(page);
      await page.goto(`${server.url}/inboxes/${support}?c=${id}`);
      await t.html.waitFor({ state: 'visible' });

      // Sanitized HTML: formatting, link and table kept; script, inline styles and the remote source gone.
      assert.equal(await t.html.locator('b', { hasText: 'stand mixer' }).count(), 1, 'bold text is kept');
      assert.equal(await t.html.locator('table td', { hasText: 'Stand mixer Pro 5L' }).count(), 1, 'the table is kept');
      const link = t.html.locator('a', { hasText: '#4471' });
      assert.equal(await link.getAttribute('href'), 'https://shop.acme.test/orders/4471');
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.match(await link.getAttribute('rel'), /noopener/);
      assert.equal(await t.html.locator('script, style, [style], [onclick]').count(), 0, 'nothing active or styled survives');
      assert.equal(await page.evaluate(() => typeof window.alertCalled), 'undefined');
      const img = t.html.locator('img');
      assert.equal(await img.getAttribute('src'), null, 'the remote image has no source yet');
      assert.equal(await img.getAttribute('data-remote-src'), REMOTE_IMAGE);
      assert.deepEqual(remoteRequests, [], 'nothing was fetched from the sender’s server');
      assert.match(await t.mail.locator('[data-test=email-recipients]').innerText(), /support@acme\.test/);

      // The quoted history is folded until the toggle opens it.
      const quote = t.mail.locator('.sb-quoted');
      assert.equal(await quote.isVisible(), false, 'the quote starts folded');
      await t.mail.locator('[data-test=quote-toggle]').click();
      await quote.waitFor({ state: 'visible' });
      assert.match(await quote.innerText(), /has shipped/);
      assert.equal(await t.mail.locator('[data-test=quote-toggle]').getAttribute('aria-expanded'), 'true');

      // The PDF is a download of the conversation's email attachment.
      const chip = t.mail.locator('[data-test=attachment]', { hasText: 'delivery-note-4471.pdf' });
      assert.match(await chip.getAttribute('href'), new RegExp(`^/api/v1/conversations/${id}/email-attachments/\\d+$`));

      // "Show images" loads the image, without a referrer, and the notice goes away.
      await t.mail.locator('[data-test=show-images]').click();
      await eventually(async () => assert.equal(await img.getAttribute('src'), REMOTE_IMAGE));
      await eventually(async () => assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0)));
      assert.deepEqual(remoteRequests, [REMOTE_IMAGE]);
      assert.equal(await img.getAttribute('referrerpolicy'), 'no-referrer');
      assert.equal(await t.mail.locator('[data-test=remote-images]').count(), 0);
      await t.subject.click();
      await t.mail.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await screenshot(page, 'email-thread.png', path.join(SCREENSHOTS, 'email-thread.png'));

      // Ben watches the same conversation.
      await login(benPage, server.url, USERS.ben, PASSWORD);
      await benPage.goto(`${server.url}/inboxes/${support}?c=${id}`);
      await ui(benPage).html.waitFor({ state: 'visible' });
      assert.equal(await ui(benPage).forwards.count(), 0);

      // `f` forwards the latest email: the customer's reply.
      const latest = t.forwardButtons.and(page.locator('.is-latest'));
      assert.equal(await latest.count(), 1, 'one always-visible Forward button, on the latest mail');
      assert.match(await latest.locator('xpath=ancestor::article').innerText(), /order code on the box/);
      await t.subject.click();
      await page.keyboard.press('f');
      await t.dialog.waitFor({ state: 'visible' });
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.test), 'forward-to', 'To has focus');
      assert.match(await t.original.innerText(), /order code on the box/);
      await page.keyboard.press('Escape');
      await t.dialog.waitFor({ state: 'hidden' });

      // The button on the HTML mail forwards that one; its headers and file are described.
      await t.mail.hover();
      await t.mail.locator('[data-test=forward]').click();
      await t.dialog.waitFor({ state: 'visible' });
      const original = await t.original.innerText();
      assert.match(original, /Maya Brooks <maya@brooks-bakery\.example>/);
      assert.match(original, new RegExp(SUBJECT));
      assert.match(original, /delivery-note-4471\.pdf/);
      assert.equal(await t.send.isDisabled(), true, 'Send waits for a recipient and a message');

      // A bad address is refused inside the dialog; nothing typed is lost.
      await t.to.fill('warehouse-at-partner');
      await t.message.fill('Please ship a replacement bowl (MX-5L-B) today; the customer needs it by Friday.');
      await t.send.click();
      await t.error.waitFor({ state: 'visible' });
      assert.match(await t.error.innerText(), /to/i);
      assert.equal(await t.message.inputValue(), 'Please ship a replacement bowl (MX-5L-B) today; the customer needs it by Friday.');
      assert.equal(await t.forwards.count(), 0, 'nothing was forwarded');

      await t.to.fill('warehouse@partner.example');
      await t.showCc.click();
      await t.cc.fill('logistics@partner.example');
      await screenshot(page, 'forward-dialog.png', path.join(SCREENSHOTS, 'forward-dialog.png'));
      await t.send.click();
      await t.dialog.waitFor({ state: 'hidden' });
      await t.toast.filter({ hasText: 'Forwarded to warehouse@partner.example' }).waitFor({ state: 'visible' });

      // The forward entry: the yellow bar, the agent's message, queued for delivery.
      const forward = t.forwards.last();
      await forward.waitFor({ state: 'visible' });
      const bar = forward.locator('[data-test=forward-bar]');
      assert.match(await bar.innerText(), /Forwarded to warehouse@partner\.example · cc logistics@partner\.example/);
      const barColor = await bar.evaluate((el) => getComputedStyle(el).backgroundColor);
      const [r, g, b] = barColor.match(/\d+/g).map(Number);
      assert.ok(r > 230 && g > 200 && b < 210 && r - b > 40, `the bar is yellow (${barColor})`);
      assert.match(await forward.innerText(), /replacement bowl/);
      assert.equal(await forward.locator('[data-test=delivery]').getAttribute('data-state'), 'queued');

      // The API agrees, and the contact is not among the recipients.
      const timeline = await apiGet(page, server.url, `/api/v1/conversations/${id}/timeline?limit=100`);
      const entry = timeline.items.find((e) => e.kind === 'forward');
      assert.deepEqual(entry.meta.forward.to, ['warehouse@partner.example']);
      assert.ok(!JSON.stringify(entry.meta.forward).includes('maya@brooks-bakery.example'));

      await t.subject.click();
      await screenshot(page, 'email-forwarded.png', path.join(SCREENSHOTS, 'email-forwarded.png'));

      // Ben sees it arrive without reloading.
      const benForward = ui(benPage).forwards.last();
      await benForward.waitFor({ state: 'visible' });
      assert.match(await benForward.locator('[data-test=forward-bar]').innerText(), /Forwarded to warehouse@partner\.example/);
    });
  });
});

const SINK_SCRIPT = path.resolve(E2E_DIR, '../crates/server/tests/support/smtp_sink.py');

/** Whether Python's aiosmtpd is here (`.ci/run` installs it; elsewhere the test skips). */
function haveAiosmtpd() {
  return spawnSync('python3', ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
}

/** An aiosmtpd relay on `port` storing accepted mail in `dir`; `reject` refuses every recipient with 550. */
async function startSink(port, dir, { reject = false } = {}) {
  const child = spawn('python3', [SINK_SCRIPT, dir, String(port), ...(reject ? ['--reject'] : [])], { stdio: 'ignore' });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return { stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); }) };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the SMTP sink did not start on port ${port}`);
}

test('a reply the relay refuses shows the answer; Retry sends it once the relay accepts', { timeout: 150_000 }, async (t) => {
  if (!haveAiosmtpd()) {
    assert.ok(!process.env.CI, 'CI installs aiosmtpd (.ci/lib.sh)');
    t.skip('Python aiosmtpd is not installed');
    return;
  }
  const sinkPort = await freePort();
  const mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-e2e-sink-'));
  let sink = await startSink(sinkPort, mailDir, { reject: true });
  const relayed = await startServer('email-relay', { args: ['--relay', `smtp://127.0.0.1:${sinkPort}?tls=none`] });
  try {
    await withBrowser('email-retry', async ({ page }) => {
      await login(page, relayed.url, USERS.ana, PASSWORD);
      const support = await inboxId(page, relayed.url, 'Support');
      const list = await apiGet(page, relayed.url, `/api/v1/inboxes/${support}/conversations?status=open&assignee=any&limit=100`);
      const id = String(list.items.find((c) => c.subject === SUBJECT).id);
      const u = ui(page);
      await page.goto(`${relayed.url}/inboxes/${support}?c=${id}`);
      await u.replyBody.waitFor({ state: 'visible' });
      await u.replyBody.fill('A replacement bowl leaves our warehouse today.');
      await u.replySend.click();
      const reply = u.entries.filter({ hasText: 'A replacement bowl leaves our warehouse today.' });
      await reply.waitFor({ state: 'visible' });

      const delivery = reply.locator('[data-test=delivery]');
      await eventually(async () => assert.equal(await delivery.getAttribute('data-state'), 'failed'), { timeout: 30_000 });
      assert.match(await delivery.innerText(), /Not delivered/);
      assert.match(await delivery.locator('[data-test=delivery-detail]').innerText(), /550/);
      // Live refreshes replace the timeline's nodes; scroll to whichever is current.
      await eventually(() => delivery.scrollIntoViewIfNeeded({ timeout: 2_000 }));
      await screenshot(page, 'delivery-failed.png');

      await sink.stop();
      sink = await startSink(sinkPort, mailDir);
      await delivery.locator('[data-test=retry-delivery]').click();
      await u.toast.filter({ hasText: 'Sending again' }).waitFor({ state: 'visible' });
      await eventually(async () => assert.equal(await reply.locator('[data-test=delivery]').getAttribute('data-state'), 'sent'), { timeout: 30_000 });
      assert.equal(await reply.locator('[data-test=retry-delivery]').count(), 0, 'a sent mail offers no retry');
      const mails = fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml'));
      assert.equal(mails.length, 1, 'the relay got the reply once');
      const raw = fs.readFileSync(path.join(mailDir, mails[0]), 'utf8');
      assert.match(raw, /X-Sink-Envelope-To: maya@brooks-bakery\.example/);
      assert.match(raw, /In-Reply-To: <maya-4471-2@brooks-bakery\.example>/);
    });
  } finally {
    await relayed.stop();
    await sink.stop();
    fs.rmSync(mailDir, { recursive: true, force: true });
  }
});
