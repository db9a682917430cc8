// The harness itself, without Switchboard: Chromium starts headless through
// playwright-core and renders a page served on loopback. When this fails, the other
// suites' failures say nothing about the UI.

import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { focused, VIEWPORT, withBrowser } from '../lib/browser.mjs';

test('chromium starts headless and renders a page served on loopback', { timeout: 60_000 }, async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>harness</title>
      <input data-test="search">
      <script>
        document.addEventListener('keydown', (e) => {
          if (e.key === '/' && document.activeElement === document.body) {
            e.preventDefault();
            document.querySelector('[data-test=search]').focus();
          }
        });
      </script>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await withBrowser('harness', async ({ page, context }) => {
      assert.match(context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)), /\d+\./);
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      assert.equal(await page.title(), 'harness');
      assert.deepEqual(
        await page.evaluate(() => ({ width: innerWidth, height: innerHeight })),
        VIEWPORT,
      );
      await page.keyboard.press('/');
      assert.equal(await focused(page), 'search');
      assert.equal(await page.locator('[data-test=search]').inputValue(), '');
    });
  } finally {
    server.close();
  }
});
