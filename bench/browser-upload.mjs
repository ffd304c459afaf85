// The browser half of bench/browser-upload.sh: logs in, opens the upload page, picks FILE,
// confirms The Matrix, and times until the queue says "Uploaded", sampling the JS heap; then
// times a plain JavaScript fetch loop over the same file (the browser's ceiling). Prints
// {"seconds", "plainSeconds", "peakHeap"} as JSON. Run from end2end/ (for its node_modules).
//
//   node ../bench/browser-upload.mjs URL USER PASSWORD LIBRARY FILE
import { createRequire } from 'node:module';
import path from 'node:path';

// Playwright is installed in end2end/ (the working directory), not next to this file.
const { chromium } = createRequire(path.resolve('package.json'))('@playwright/test');

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

  // The browser's own ceiling: the same 8 MiB Blob chunks sent by a plain JavaScript loop
  // (init, chunks, then cancel), without the app.
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    document.body.appendChild(input);
  });
  await page.locator('#bench-file').setInputFiles([file]);
  const plainSeconds = await page.evaluate(async (library) => {
    const f = document.querySelector('#bench-file').files[0];
    const init = await (
      await fetch(`/api/upload?type=init&library=${library}&filename=plain-js.mkv&size=${f.size}&lastModified=1`)
    ).json();
    const chunk = 8 * 1024 * 1024;
    const t0 = performance.now();
    let offset = 0;
    let nr = 0;
    while (offset < f.size) {
      const res = await fetch(`/api/upload?type=chunk&uploadId=${init.uploadId}&chunkNr=${nr + 1}&offset=${offset}`, {
        method: 'POST',
        body: f.slice(offset, Math.min(offset + chunk, f.size)),
        headers: { 'content-type': 'application/octet-stream' },
      });
      const answer = await res.json();
      if (!res.ok) throw new Error(JSON.stringify(answer));
      ({ offset, chunkNr: nr } = answer);
    }
    const s = (performance.now() - t0) / 1000;
    await fetch(`/api/upload?type=cancel&uploadId=${init.uploadId}`, { method: 'POST' });
    return s;
  }, library);
  console.log(
    JSON.stringify({ seconds: Number(seconds.toFixed(3)), plainSeconds: Number(plainSeconds.toFixed(3)), peakHeap }),
  );
} finally {
  await browser.close();
}
