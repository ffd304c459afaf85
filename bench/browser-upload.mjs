// The browser half of bench/browser-upload.sh: logs in, opens the upload page, picks FILE,
// confirms The Matrix, and times until the queue says "Uploaded", sampling the JS heap.
// Prints {"seconds", "peakHeap"} as JSON. Run from end2end/ (for its node_modules).
//
//   node ../bench/browser-upload.mjs URL USER PASSWORD LIBRARY FILE
import { chromium } from '@playwright/test';
import path from 'node:path';

const [url, user, password, library, file] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ baseURL: url });
  const login = await page.request.post('/api/auth/login', { data: { username: user, password } });
  if (!login.ok()) throw new Error(`login failed: ${login.status()} ${await login.text()}`);
  await page.goto(`/upload?library=${library}`);
  await page.waitForFunction(() => window.__ott_hydrated === true, undefined, { timeout: 60_000 });
  await page.getByLabel('Choose movie files').setInputFiles([file]);
  const confirm = page.getByRole('button', { name: 'This one: The Matrix (1999)' });
  await confirm.waitFor({ timeout: 60_000 });
  const line = page.locator(`li.queue-item[data-file="${path.basename(file)}"] .queue-line`);
  const started = performance.now();
  await confirm.click();
  let peakHeap = 0;
  for (;;) {
    const text = (await line.textContent().catch(() => '')) ?? '';
    if (text.startsWith('Uploaded')) break;
    if (text.startsWith('Failed')) throw new Error(text);
    peakHeap = Math.max(peakHeap, await page.evaluate(() => performance.memory.usedJSHeapSize));
    await page.waitForTimeout(100);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ seconds: Number(seconds.toFixed(3)), peakHeap }));
} finally {
  await browser.close();
}
