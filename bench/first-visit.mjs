// The browser half of bench/first-visit.sh: opens each visit in a fresh browser context (an
// empty cache, as a first visit has) and records the files of the site bundle (`/pkg/…`) the
// page loads until it is hydrated (or loaded, when the server sent it without the app) and the
// network is quiet: the bytes the browser received (over plain HTTP Chromium accepts gzip, not
// brotli), and the files' sizes in SITE: raw, gzip -9 and brotli 11 (comparable across builds
// whatever the server sends; brotli is what browsers get over HTTPS from a release build).
// Prints one JSON object.
// Run from end2end/ (for its node_modules).
//
//   node ../bench/first-visit.mjs URL USER PASSWORD SITE MOVIE
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

// Playwright is installed in end2end/ (the working directory), not next to this file.
const { chromium } = createRequire(path.resolve('package.json'))('@playwright/test');

const [url, user, password, site, movie] = process.argv.slice(2);
const LOG_IN = Symbol('log in');
const visits = [
  { name: 'a visitor opens the server (sent to the login page)', steps: ['/'] },
  { name: 'logged in, home', steps: [LOG_IN, '/'] },
  { name: 'logged in, a movie page', steps: [LOG_IN, `/movie/${movie}`] },
  { name: 'a first session: login page, home, a movie page', steps: ['/', LOG_IN, '/', `/movie/${movie}`] },
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const results = [];
try {
  for (const visit of visits) {
    const context = await browser.newContext({ baseURL: url });
    const page = await context.newPage();
    const files = new Set();
    // What the browser received for them (compressed when the server had a compressed copy).
    const received = [];
    page.on('requestfinished', (req) => {
      const { pathname } = new URL(req.url());
      if (!pathname.startsWith('/pkg/')) return;
      // A file the page asks for again comes from the browser's cache (Playwright then
      // reports a negative size): what came over the network is each file's first answer.
      if (files.has(pathname)) return;
      files.add(pathname);
      received.push(
        Promise.all([req.sizes(), req.response()]).then(([sizes, res]) => ({
          bytes: Math.max(0, sizes.responseBodySize),
          encoding: res?.headers()['content-encoding'] ?? 'none',
        })),
      );
    });
    for (const step of visit.steps) {
      if (step === LOG_IN) {
        const login = await context.request.post('/api/auth/login', { data: { username: user, password } });
        if (!login.ok()) throw new Error(`login failed: ${login.status()} ${await login.text()}`);
        continue;
      }
      await page.goto(step);
      // Hydrated, or sent without the app (a visitor's login page: a plain form).
      await page.waitForFunction(
        () =>
          window.__ott_hydrated === true ||
          (document.readyState !== 'loading' && document.querySelector('meta[name="ott-app"][content="none"]') !== null),
        undefined,
        { timeout: 60_000 },
      );
      await page.waitForLoadState('networkidle');
    }
    let raw = 0,
      gzip = 0,
      brotli = 0,
      wasmGzip = 0;
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(site, file));
      const z = zlib.gzipSync(bytes, { level: 9 }).length;
      raw += bytes.length;
      gzip += z;
      brotli += zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      if (file.endsWith('.wasm')) wasmGzip += z;
    }
    const got = await Promise.all(received);
    const sent = got.reduce((sum, r) => sum + r.bytes, 0);
    const encodings = [...new Set(got.map((r) => r.encoding))].join(', ');
    results.push({
      name: visit.name,
      landed: new URL(page.url()).pathname,
      files: files.size,
      raw,
      gzip,
      brotli,
      wasmGzip,
      sent,
      encodings,
    });
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(results));
