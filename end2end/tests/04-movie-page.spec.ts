import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import {
  PASSWORD,
  atPath,
  createLibrary,
  h1,
  open,
  register,
  statusWith,
  uniqueUsername,
  uploadFile,
  waitForHydration,
} from './helpers';

test('a wrongly matched movie is fixed from its page: search, pick, files move', async ({ page }) => {
  const username = uniqueUsername('fixer');
  await register(page, username, PASSWORD);
  await createLibrary(page, 'Fix match movies');

  // "Alien.1979.mkv" filed as Aliens (tt0090605), the kind of mistake fix match is for.
  const bytes = Buffer.from('not really a movie, but 46 bytes of one......');
  await uploadFile(page.request, 'Alien.1979.mkv', bytes, 'tt0090605');
  const me = await (await page.request.get('/api/me')).json();
  const library = me.libraries.find((l: { id: number }) => l.id === me.active_library_id);
  // The metadata job names it from the stand-in IMDb.
  await expect
    .poll(async () => (await (await page.request.get(`/api/movies/tt0090605?library=${library.id}`)).json()).title)
    .toBe('Aliens');

  await test.step('home lists the movie and links to its page', async () => {
    await open(page, '/');
    const card = page.getByRole('link', { name: /^Aliens/ }).first();
    await expect(card).toBeVisible();
    await card.click();
    await expect(page).toHaveURL(/\/movie\/tt0090605\?library=\d+$/);
    await expect(h1(page, 'Aliens')).toBeVisible();
    await expect(page.getByRole('cell', { name: /^movie\.mkv\b/ })).toBeVisible();
  });

  await test.step('fix match: search "Alien", pick the 1979 film', async () => {
    await open(page, page.url());
    await expect(page.getByLabel('Title')).toHaveValue('Aliens');
    await page.getByLabel('Title').fill('Alien');
    await page.getByLabel('Year').fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: 'Search results' });
    await expect(results.getByRole('listitem')).not.toHaveCount(0);
    // Aliens itself is the current match and cannot be picked again.
    await expect(
      results.getByRole('listitem').filter({ hasText: 'Aliens (1986)' }).getByRole('button'),
    ).toBeDisabled();
    await results
      .getByRole('listitem')
      .filter({ hasText: /^Alien \(1979\)/ })
      .getByRole('button', { name: 'This one' })
      .click();
    await expect(page).toHaveURL(/\/movie\/tt0078748\?library=\d+$/);
  });

  await test.step('the right movie has the file, on disk too, and its details arrive', async () => {
    await expect(page.getByRole('cell', { name: /^movie\.mkv\b/ })).toBeVisible();
    // The metadata job fetches the right movie's title and poster from the stand-in IMDb.
    await expect(async () => {
      await page.reload();
      await expect(h1(page, 'Alien')).toBeVisible({ timeout: 1_000 });
      await expect(page.getByRole('img', { name: 'Poster of Alien' })).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    const moved = fs.readdirSync(path.join(library.path, 'tt0078748'), { recursive: true }) as string[];
    expect(moved.some((f) => f.endsWith('.mkv'))).toBe(true);
    expect(fs.existsSync(path.join(library.path, 'tt0090605'))).toBe(false);
  });

  await test.step('refresh metadata queues the fetch again', async () => {
    // Hydrated first: this step is about the app's own call (a click before hydration posts
    // the plain form instead, which 02-no-javascript covers).
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Refresh metadata', exact: true }).click();
    await expect(statusWith(page, 'Queued')).toBeVisible();
  });

  await test.step('another user is told the movie is not there', async () => {
    const url = page.url();
    await page.context().clearCookies();
    await register(page, uniqueUsername('other'), PASSWORD);
    await expect(page).toHaveURL(atPath('/setup'));
    await open(page, url);
    await expect(h1(page, 'Movie not found')).toBeVisible();
  });
});
