import { expect, test } from '@playwright/test';
import { PASSWORD, createLibrary, open, register, uniqueUsername } from './helpers';

test('home shows rows of posters that scroll with the buttons and the arrow keys', async ({ page }) => {
  await register(page, uniqueUsername('rows'), PASSWORD);
  await createLibrary(page, 'Row movies');

  // Twelve small files, each its own movie (ids the stand-in IMDb does not know: they keep the
  // titles from their file names).
  for (let n = 1; n <= 12; n++) {
    const name = `Home Movie ${String(n).padStart(2, '0')}.mkv`;
    const bytes = Buffer.from(`movie number ${n}`);
    const init = await page.request.post(
      `/api/upload?type=init&filename=${encodeURIComponent(name)}&size=${bytes.length}&lastModified=1700000000000`,
    );
    expect(init.status(), await init.text()).toBe(200);
    const { uploadId } = await init.json();
    expect((await page.request.post(`/api/upload?type=chunk&uploadId=${uploadId}&chunkNr=1&offset=0`, { data: bytes })).status()).toBe(200);
    const imdb = `tt99000${String(n).padStart(2, '0')}`;
    const end = await page.request.post(`/api/upload?type=end&uploadId=${uploadId}&imdbId=${imdb}&mode=new`);
    expect(end.status(), await end.text()).toBe(200);
  }

  await page.setViewportSize({ width: 900, height: 800 });
  await open(page, '/');
  const recent = page.getByRole('region', { name: 'Recently added' });
  await expect(recent).toBeVisible();
  const posters = recent.getByRole('link');
  await expect(posters).toHaveCount(12);
  await expect(posters.first()).toHaveText(/Home Movie 12/);
  await expect(page.getByRole('region', { name: 'Unwatched' })).toBeVisible();

  const list = recent.locator('.row-items');
  const scrolled = () => list.evaluate((el) => el.scrollLeft);
  expect(await scrolled()).toBe(0);
  await list.hover();
  await recent.getByRole('button', { name: 'Scroll on' }).click();
  await expect.poll(scrolled).toBeGreaterThan(100);
  await recent.getByRole('button', { name: 'Scroll back' }).click();
  await expect.poll(scrolled).toBe(0);

  await posters.first().focus();
  await page.keyboard.press('ArrowRight');
  await expect(posters.nth(1)).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(posters.first()).toBeFocused();
});
