import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PASSWORD, createLibrary, h1, open, register, statusWith, uniqueUsername, uploadFile, waitForHydration } from './helpers';

/** A real 3-second video made with Debian's ffmpeg: H.264 in MKV with AC-3 audio, or an MP4. */
function makeVideo(kind: 'mkv' | 'mp4'): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-video-'));
  const file = path.join(dir, `v.${kind}`);
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=24',
    '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '3',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', kind === 'mkv' ? 'ac3' : 'aac', file,
  ]);
  const bytes = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

/** Fails the test on any error the page logs (a hydration mismatch, a panic). */
function noConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** Waits until the stand-in IMDb's details of a movie are in (the year comes with them). */
async function detailsFetched(page: Page, imdbId: string, year: number) {
  const library = (await (await page.request.get('/api/libraries')).json())[0].id;
  await expect
    .poll(async () => (await (await page.request.get(`/api/movies/${imdbId}?library=${library}`)).json()).year, { timeout: 30_000 })
    .toBe(year);
}

test('categories made by rule and by hand become rows of the home page', async ({ page }) => {
  const errors = noConsoleErrors(page);
  await register(page, uniqueUsername('shelf'), PASSWORD);
  await createLibrary(page, 'Shelf movies');
  await uploadFile(page.request, 'Alien.1979.mkv', Buffer.from('alien'), 'tt0078748');
  await uploadFile(page.request, 'The.Matrix.1999.mkv', Buffer.from('matrix'), 'tt0133093');
  await detailsFetched(page, 'tt0078748', 1979);
  await detailsFetched(page, 'tt0133093', 1999);

  await test.step('a category by rule', async () => {
    await open(page, '/categories');
    await expect(h1(page, 'Categories of “Shelf movies”')).toBeVisible();
    await expect(page.getByText('This library has no categories yet.')).toBeVisible();
    const form = page.locator('form.category-form');
    await form.getByLabel('Name').fill('Seventies');
    await form.getByLabel('Icon (optional)').fill('📼');
    await expect(form.getByLabel('From the year')).toBeHidden();
    await form.getByLabel('By a rule').check();
    await form.getByLabel('From the year').fill('1970');
    await form.getByLabel('To the year').fill('1979');
    await form.getByRole('button', { name: 'Create category' }).click();
    const card = page.locator('.category-card').filter({ hasText: '📼 Seventies' });
    await expect(card).toContainText('Rule: 1970–1979 · 1 movie');
  });

  await test.step('a category picked by hand, filled from a movie page', async () => {
    const form = page.locator('section.card form.category-form');
    await form.getByLabel('Name').fill('Favourites');
    await form.getByRole('button', { name: 'Create category' }).click();
    await expect(page.locator('.category-card').filter({ hasText: 'Favourites' })).toContainText('Picked by hand · no movies yet');

    await open(page, '/');
    await page.getByRole('link', { name: /^The Matrix/ }).first().click();
    await expect(h1(page, 'The Matrix')).toBeVisible();
    await waitForHydration(page);
    await page.getByRole('checkbox', { name: 'Favourites' }).check();
    await expect(statusWith(page, 'Saved.')).toBeVisible();
  });

  await test.step('the home page shows both rows after Recently added', async () => {
    await open(page, '/');
    const titles = await page.locator('section.row h2').allTextContents();
    expect(titles.slice(0, 3)).toEqual(['Recently added', '📼 Seventies', 'Favourites']);
    await expect(page.getByRole('region', { name: '📼 Seventies' }).getByRole('link')).toHaveText([/Alien/]);
    await expect(page.getByRole('region', { name: 'Favourites' }).getByRole('link')).toHaveText([/The Matrix/]);
  });

  await test.step('moving a category up moves its row', async () => {
    await open(page, '/categories');
    await waitForHydration(page);
    await expect(page.getByRole('button', { name: 'Move 📼 Seventies up' })).toBeDisabled();
    await page.getByRole('button', { name: 'Move Favourites up' }).click();
    await expect(page.locator('.category-card h2')).toHaveText(['Favourites', '📼 Seventies']);
    await open(page, '/');
    const titles = await page.locator('section.row h2').allTextContents();
    expect(titles.slice(0, 3)).toEqual(['Recently added', 'Favourites', '📼 Seventies']);
  });

  await test.step('removing a category removes its row, not its movies', async () => {
    await open(page, '/categories');
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Remove Favourites' }).click();
    await expect(page.locator('.category-card').filter({ hasText: 'Favourites' })).toHaveCount(0);
    await open(page, '/');
    await expect(page.getByRole('region', { name: 'Favourites' })).toHaveCount(0);
    await expect(page.getByRole('region', { name: 'Recently added' }).getByRole('link')).toHaveCount(2);
  });
  expect(errors).toEqual([]);
});

test('an MKV is converted to an MP4 version, and a trailer in the library plays on the movie page', async ({ page }) => {
  const errors = noConsoleErrors(page);
  await register(page, uniqueUsername('remux'), PASSWORD);
  await createLibrary(page, 'Remux movies');
  const { movieFileId } = await uploadFile(page.request, 'Alien.1979.mkv', makeVideo('mkv'), 'tt0078748');

  await test.step('Optimise for playback adds an MP4 version that plays', async () => {
    await open(page, '/movie/tt0078748');
    const versions = page.locator('section.versions tbody tr');
    await expect(versions).toHaveCount(1);
    await page.getByRole('button', { name: 'Optimise for playback' }).click();
    // The page reloads with the new version when the job is done.
    await expect(versions).toHaveCount(2, { timeout: 60_000 });
    await expect(versions.filter({ hasText: '(MP4)' })).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Optimise for playback' })).toHaveCount(0);
    const files = await (await page.request.get('/api/movies/tt0078748/files?library=' + (await libraryId(page)))).json();
    const mp4 = files.find((f: { id: number }) => f.id !== movieFileId);
    expect(mp4.container).toBe('mp4');
    await open(page, `/watch/${mp4.id}`);
    const video = page.locator('video');
    await video.evaluate((v: HTMLVideoElement) => { v.muted = true; return v.play(); });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.5);
  });

  await test.step('a trailer file in the movie folder plays in the Trailer section', async () => {
    const libraries = await (await page.request.get('/api/libraries')).json();
    const folder = path.join(libraries[0].path, 'tt0078748', 'trailer');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'trailer.mp4'), makeVideo('mp4'));
    await open(page, '/movie/tt0078748');
    const trailer = page.getByRole('region', { name: 'Trailer' }).locator('video');
    await expect(trailer).toBeVisible();
    await trailer.evaluate((v: HTMLVideoElement) => { v.muted = true; return v.play(); });
    await expect.poll(() => trailer.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(0.5);
  });
  expect(errors).toEqual([]);
});

async function libraryId(page: Page): Promise<number> {
  return (await (await page.request.get('/api/libraries')).json())[0].id;
}
