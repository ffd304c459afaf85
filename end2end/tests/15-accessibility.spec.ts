import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PASSWORD,
  atPath,
  createLibrary,
  loginAsAdmin,
  open,
  openRegistration,
  register,
  uniqueUsername,
  uploadFile,
} from './helpers';

// axe-core (from npm, run inside the page) checks every main page, on a desktop and on a
// phone, in the dark and the light theme: no critical or serious violation may land.

const SCREENS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];
const SCHEMES = ['dark', 'light'] as const;

/** The critical and serious violations on the page as it is, one line each. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .flatMap((v) =>
      v.nodes.map((n) => `${v.impact} ${v.id}: ${v.help} at ${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    );
}

/** Opens each path at each screen size and colour scheme and collects what axe finds. */
async function check(page: Page, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const screen of SCREENS) {
      await page.setViewportSize({ width: screen.width, height: screen.height });
      for (const path of paths) {
        await open(page, path);
        await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
        for (const v of await violations(page)) found.push(`${path} (${screen.name}, ${scheme}) ${v}`);
      }
    }
  }
  return found;
}

test.beforeAll(async ({ browser }) => openRegistration(browser));

test('every main page passes axe-core on desktop and phone, dark and light', async ({ page, browser }) => {
  test.setTimeout(300_000);

  await test.step('visitors: log in and register', async () => {
    const context = await browser.newContext();
    expect.soft(await check(await context.newPage(), ['/login', '/register'])).toEqual([]);
    await context.close();
  });

  await register(page, uniqueUsername('axe'), PASSWORD);
  await createLibrary(page, 'Checked movies');
  // A real two-second video, so that the player page shows its controls.
  const clip = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-axe-')), 'The Matrix.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=12',
    '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip,
  ]);
  const { movieFileId } = await uploadFile(page.request, 'The Matrix.mp4', fs.readFileSync(clip), 'tt0133093');
  const me = await (await page.request.get('/api/me')).json();
  await expect
    .poll(async () => (await (await page.request.get(`/api/movies/tt0133093?library=${me.active_library_id}`)).json()).title)
    .toBe('The Matrix');

  await test.step('a member with a seeded library', async () => {
    const pages = [
      '/',
      '/movie/tt0133093',
      `/watch/${movieFileId}`,
      '/search?q=matrix',
      '/upload',
      '/settings',
      '/libraries',
      '/monitor',
      '/share',
      '/no-such-page',
    ];
    expect.soft(await check(page, pages)).toEqual([]);
  });

  await test.step('the administrator', async () => {
    const context = await browser.newContext();
    const admin = await context.newPage();
    await loginAsAdmin(admin);
    await expect(admin).toHaveURL(atPath('/admin'));
    expect.soft(await check(admin, ['/admin'])).toEqual([]);
    await context.close();
  });
});
