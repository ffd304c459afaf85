import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PASSWORD,
  createLibrary,
  openRegistration,
  register,
  setMovieDatabaseReachable,
  uniqueUsername,
} from './helpers';

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const picker = (page: Page) => page.getByLabel('Choose movie files');
const queueItem = (page: Page, filename: string) => page.locator(`li.queue-item[data-file="${filename}"]`);
/** The part of the upload page about one file. */
const pickOf = (page: Page, filename: string) => page.locator('li.pick').filter({ hasText: filename });

test.beforeAll(async ({ browser }) => openRegistration(browser));

// Whatever happens, the next file finds the stand-in IMDb answering.
test.afterEach(async ({ request }) => {
  await setMovieDatabaseReachable(request, true);
});

test('with the movie database unreachable the uploader explains, retries on its own, and takes a pasted IMDb link or a title typed by hand', async ({
  page,
  request,
}) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-offline-'));
  const heat = path.join(dir, 'Heat.1995.mkv');
  const home = path.join(dir, 'Holiday at grandmas.mkv');
  // A movie no other test searches: the server remembers successful searches for an hour.
  const thing = path.join(dir, 'The.Thing.1982.mkv');
  fs.writeFileSync(heat, crypto.randomBytes(64 * 1024));
  fs.writeFileSync(home, crypto.randomBytes(48 * 1024));
  fs.writeFileSync(thing, crypto.randomBytes(40 * 1024));

  await register(page, uniqueUsername('offline'), PASSWORD);
  await createLibrary(page, 'Offline evenings');
  const me = await (await page.request.get('/api/me')).json();
  const library = me.libraries.find((l: { id: number }) => l.id === me.active_library_id);

  await setMovieDatabaseReachable(request, false);

  await test.step('a sentence, no address or library text, a countdown and the way on', async () => {
    await picker(page).setInputFiles([heat]);
    const pick = pickOf(page, 'Heat.1995.mkv');
    await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');
    await expect(pick).toContainText(/Trying again in \d+ s\./);
    await expect(pick).toContainText("paste the movie's IMDb link");
    const shown = await pick.innerText();
    expect(shown).not.toMatch(/https?:|127\.0\.0\.1|error sending request/);
  });

  await test.step('when it answers again, the next try finds the movie without a click', async () => {
    await setMovieDatabaseReachable(request, true);
    // The first retry comes 5 s after the failure.
    await expect(page.getByRole('button', { name: 'This one: Heat (1995)' })).toBeVisible({ timeout: 20_000 });
    await page.getByRole('button', { name: 'This one: Heat (1995)' }).click();
    await expect(queueItem(page, 'Heat.1995.mkv').locator('.queue-line')).toContainText('Uploaded', { timeout: 60_000 });
  });

  await test.step('still unreachable: a pasted IMDb address names the movie and the upload goes on', async () => {
    await setMovieDatabaseReachable(request, false);
    await picker(page).setInputFiles([home]);
    const pick = pickOf(page, 'Holiday at grandmas.mkv');
    await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');
    // "Try now" tries at once (and fails again, the database being still away).
    await pick.getByRole('button', { name: 'Try now' }).click();
    await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');
    // (An id no other test looks up: an answer the server still remembers would name it.)
    await page
      .getByLabel('Movie for Holiday at grandmas.mkv')
      .fill('https://www.imdb.com/title/tt7654321/?ref_=nv_sr_srsg_0');
    await page.getByRole('button', { name: 'This one: tt7654321' }).click();
    await expect(queueItem(page, 'Holiday at grandmas.mkv').locator('.queue-line')).toContainText('Uploaded', {
      timeout: 60_000,
    });
  });

  await test.step('still unreachable: the title and year in the box name the movie by hand, found once the database answers', async () => {
    await picker(page).setInputFiles([thing]);
    const pick = pickOf(page, 'The.Thing.1982.mkv');
    await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');
    await pick.getByRole('button', { name: 'Upload as \u201cThe Thing (1982)\u201d' }).click();
    await expect(queueItem(page, 'The.Thing.1982.mkv').locator('.queue-line')).toContainText('Uploaded', {
      timeout: 60_000,
    });
    // A movie of the library under the typed title, its page saying what happens next.
    const listed = await (await page.request.get(`/api/movies?library=${library.id}`)).json();
    const named = listed.find((m: { title: string }) => m.title === 'The Thing');
    expect(named?.imdbId).toMatch(/^tt9\d{9}$/);
    await page.goto(`/movie/${named.imdbId}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('The Thing');
    await expect(page.getByRole('status').filter({ hasText: 'named by hand' })).toBeVisible();

    // Back online, "Refresh metadata" (or the job's next round) finds it: the file moves, and
    // the page goes to the movie found.
    await setMovieDatabaseReachable(request, true);
    await page.getByRole('button', { name: 'Refresh metadata' }).click();
    await expect(page).toHaveURL(/\/movie\/tt0084787\?library=/);
    await expect
      .poll(
        async () =>
          (await (await page.request.get(`/api/movies/tt0084787/files?library=${library.id}`)).json()).length,
        { timeout: 30_000 },
      )
      .toBe(1);
    // The old address (a bookmark made meanwhile) leads to the movie found.
    await page.goto(`/movie/${named.imdbId}`);
    await expect(page).toHaveURL(/\/movie\/tt0084787\?library=/);
  });

  // Bytes on disk, each under the movie it was filed as.
  const stored = (id: string) => {
    const folder = path.join(library.path, id);
    const found = (fs.readdirSync(folder, { recursive: true }) as string[]).find((f) => f.endsWith('.mkv'));
    expect(found, `a video under ${folder}`).toBeDefined();
    return path.join(folder, found!);
  };
  expect(sha256(stored('tt0113277'))).toBe(sha256(heat));
  expect(sha256(stored('tt7654321'))).toBe(sha256(home));
  expect(sha256(stored('tt0084787'))).toBe(sha256(thing));
});

test('leaving the upload page stops its searches waiting to try again', async ({ page, request }) => {
  test.setTimeout(90_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-leave-'));
  const file = path.join(dir, 'Zardoz.1974.mkv');
  fs.writeFileSync(file, crypto.randomBytes(16 * 1024));
  await register(page, uniqueUsername('leaver'), PASSWORD);
  await createLibrary(page, 'Left behind');
  const searches: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes('/api/fn/search_movies')) searches.push(req.url());
  });

  await setMovieDatabaseReachable(request, false);
  await picker(page).setInputFiles([file]);
  const pick = pickOf(page, 'Zardoz.1974.mkv');
  await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');
  // On the page, it tries again by itself (the first retry comes 5 s after the failure)...
  const first = searches.length;
  await expect.poll(() => searches.length, { timeout: 15_000 }).toBeGreaterThan(first);
  await expect(pick.getByRole('status')).toHaveText('The movie database cannot be reached right now.');

  // ...and not once the page is left (the next retry was due 10 s later).
  // A link of the app's own (no page load: the page's code stays in the browser).
  await page.getByRole('link', { name: 'Libraries' }).filter({ visible: true }).click();
  await expect(page).toHaveURL(/\/libraries/);
  const left = searches.length;
  await page.waitForTimeout(15_000);
  expect(searches.length, 'searches after the upload page was left').toBe(left);
});
