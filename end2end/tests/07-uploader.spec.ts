import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PASSWORD, createLibrary, open, register, uniqueUsername, waitForHydration } from './helpers';

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** A small real video made with Debian's ffmpeg (`seconds` long, `colour` test pattern). */
function makeVideo(file: string, seconds: number, pattern: string) {
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', `${pattern}=size=160x120:rate=12`,
    '-t', String(seconds), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file,
  ]);
}

/** `size` bytes of noise (whole MiB blocks), written in pieces so the test process stays small. */
function writeNoise(file: string, size: number) {
  const fd = fs.openSync(file, 'w');
  for (let left = size; left > 0; left -= 1 << 20) {
    fs.writeSync(fd, crypto.randomBytes(Math.min(left, 1 << 20)));
  }
  fs.closeSync(fd);
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
    fs.statSync(path.join(dir, f)).isFile(),
  );
}

async function activeLibrary(page: Page): Promise<{ id: number; path: string }> {
  const me = await (await page.request.get('/api/me')).json();
  return me.libraries.find((l: { id: number }) => l.id === me.active_library_id);
}

const picker = (page: Page) => page.getByLabel('Choose movie files');
const queueItem = (page: Page, filename: string) => page.locator(`li.queue-item[data-file="${filename}"]`);

test('files picked in the browser are matched, confirmed and uploaded byte for byte', async ({ page }) => {
  test.setTimeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-upload-'));
  const matrix = path.join(dir, 'The.Matrix.1999.1080p.mkv');
  const alien = path.join(dir, 'Alien.1979.mp4');
  const subtitle = path.join(dir, 'The.Matrix.1999.1080p.en.srt');
  const notes = path.join(dir, 'notes.txt');
  makeVideo(matrix, 3, 'testsrc');
  makeVideo(alien, 2, 'smptebars');
  fs.writeFileSync(subtitle, '1\r\n00:00:01,000 --> 00:00:02,000\r\nWake up, Neo.\r\n');
  fs.writeFileSync(notes, 'not a movie');

  await register(page, uniqueUsername('upper'), PASSWORD);
  await createLibrary(page, 'Uploaded in the browser');
  const library = await activeLibrary(page);

  await test.step('four files picked: two videos to match, a subtitle that follows its video, one skipped', async () => {
    await page.getByLabel('Uploads at once').selectOption('2');
    await picker(page).setInputFiles([matrix, alien, subtitle, notes]);
    const skipped = page.locator('details.skipped');
    await expect(skipped).toContainText('notes.txt');
    await expect(skipped).toContainText('.txt files are not uploaded');
    await expect(page.getByText('The.Matrix.1999.1080p.mkv · ').first()).toContainText('with 1 subtitle');
    // Each file's guess was searched: the candidates are on screen.
    await expect(page.getByRole('button', { name: 'This one: The Matrix (1999)' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'This one: Alien (1979)' })).toBeVisible();
  });

  await test.step('Enter confirms the highlighted movie; a click confirms another', async () => {
    const search = page.getByLabel('Movie for The.Matrix.1999.1080p.mkv');
    await search.focus();
    await search.press('Enter');
    await page.getByRole('button', { name: 'This one: Alien (1979)' }).click();
    await expect(page.getByRole('heading', { name: 'Which movie is each file?' })).toBeHidden();
  });

  await test.step('the queue uploads all three and the bytes on disk are the same', async () => {
    for (const name of ['The.Matrix.1999.1080p.mkv', 'Alien.1979.mp4', 'The.Matrix.1999.1080p.en.srt']) {
      await expect(queueItem(page, name).locator('.queue-line')).toContainText('Uploaded', { timeout: 60_000 });
    }
    const matrixFiles = filesUnder(path.join(library.path, 'tt0133093'));
    const video = matrixFiles.find((f) => f.endsWith('.mkv'));
    expect(video, matrixFiles.join(', ')).toBeDefined();
    expect(sha256(path.join(library.path, 'tt0133093', video!))).toBe(sha256(matrix));
    const srt = matrixFiles.find((f) => f.startsWith('srt/'));
    expect(srt, matrixFiles.join(', ')).toBeDefined();
    expect(sha256(path.join(library.path, 'tt0133093', srt!))).toBe(sha256(subtitle));
    const alienFiles = filesUnder(path.join(library.path, 'tt0078748'));
    const alienVideo = alienFiles.find((f) => f.endsWith('.mp4'));
    expect(alienVideo, alienFiles.join(', ')).toBeDefined();
    expect(sha256(path.join(library.path, 'tt0078748', alienVideo!))).toBe(sha256(alien));
    expect(filesUnder(library.path).some((f) => f.includes('notes'))).toBe(false);
  });

  await test.step('the header search finds them, and the results follow the typing', async () => {
    const box = page.locator('header').getByRole('searchbox', { name: 'Search movies' });
    await box.fill('MATR');
    await box.press('Enter');
    await expect(page).toHaveURL(/\/search\?q=MATR$/);
    // A new page load: typing before hydration would go unheard.
    await waitForHydration(page);
    const results = page.getByRole('list', { name: 'Search results' });
    await expect(results.getByRole('link', { name: /^The Matrix/ })).toBeVisible();
    await expect(results.getByRole('link')).toHaveCount(1);
    await page.getByLabel('Title, actor or year').fill('alien 1979');
    await expect(page).toHaveURL(/\/search\?q=alien%201979$/);
    await expect(results.getByRole('link', { name: /^Alien/ })).toBeVisible();
    await expect(results.getByRole('link')).toHaveCount(1);
    await page.getByLabel('Title, actor or year').fill('zzz');
    await expect(page.getByRole('status').filter({ hasText: 'No movie in' })).toBeVisible();
  });

  await test.step('the same files again: nothing to upload', async () => {
    await open(page, '/upload');
    await picker(page).setInputFiles([matrix, alien, subtitle]);
    await expect(page.getByRole('status').filter({ hasText: 'All 3 files are already in the library' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Which movie is each file?' })).toBeHidden();
  });

  await test.step('another cut of a movie that has a file: add it as a version', async () => {
    const cut = path.join(dir, 'Alien.1979.Directors.Cut.mp4');
    makeVideo(cut, 2, 'testsrc2');
    await picker(page).setInputFiles([cut]);
    await page.getByRole('button', { name: 'This one: Alien (1979)' }).click();
    const prompt = page.getByRole('group', { name: 'Alien (1979) already has files' });
    await expect(prompt).toContainText('already has 1 file');
    await prompt.getByRole('button', { name: 'Add as another version' }).click();
    await expect(queueItem(page, 'Alien.1979.Directors.Cut.mp4').locator('.queue-line')).toContainText('Uploaded', {
      timeout: 60_000,
    });
    const files = await (await page.request.get(`/api/movies/tt0078748/files?library=${library.id}`)).json();
    expect(files).toHaveLength(2);
    const cuts = filesUnder(path.join(library.path, 'tt0078748')).filter((f) => f.endsWith('.mp4'));
    expect(cuts.map((f) => sha256(path.join(library.path, 'tt0078748', f))).sort()).toEqual(
      [sha256(alien), sha256(cut)].sort(),
    );
  });

  await test.step("the owner deletes one version from the movie's page", async () => {
    await open(page, `/movie/tt0078748?library=${library.id}`);
    const versions = page.locator('section.versions tbody tr');
    await expect(versions).toHaveCount(2);
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: /^Delete tt0078748\// }).first().click();
    await expect(versions).toHaveCount(1);
    const left = filesUnder(path.join(library.path, 'tt0078748')).filter((f) => f.endsWith('.mp4'));
    expect(left).toHaveLength(1);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an upload interrupted by a reload continues from where it stopped', async ({ page }) => {
  test.setTimeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-resume-'));
  const big = path.join(dir, 'Dune.2021.2160p.mkv');
  writeNoise(big, 300_000_000);

  await register(page, uniqueUsername('resumer'), PASSWORD);
  await createLibrary(page, 'Resumed uploads');
  const library = await activeLibrary(page);

  // Loopback is too fast to reload mid-way: hold every chunk back a little.
  await page.route('**/api/upload?type=chunk*', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    await route.continue();
  });
  await picker(page).setInputFiles([big]);
  await page.getByRole('button', { name: /^This one: Dune/ }).first().click();
  const item = queueItem(page, 'Dune.2021.2160p.mkv');
  await expect(item.locator('.queue-line')).toContainText(/MB of 300/);

  const stored = async () => {
    const pending = await (await page.request.get('/api/uploads')).json();
    return (pending[0]?.offset ?? 0) as number;
  };

  await test.step('pause holds the upload where it is; resume goes on', async () => {
    await expect.poll(stored, { timeout: 60_000 }).toBeGreaterThan(0);
    await item.getByRole('button', { name: 'Pause Dune.2021.2160p.mkv' }).click();
    await expect(item.locator('.queue-line')).toContainText('Paused');
    const paused = await stored();
    // Nothing is sent while paused: no request of the upload protocol (POST /api/upload) for a
    // second and a half (the first one fails the test at once), and the stored offset stays.
    const sent = await page
      .waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/upload', {
        timeout: 1_500,
      })
      .then(
        (r) => r.url(),
        () => null,
      );
    expect(sent, 'nothing is sent while paused').toBeNull();
    expect(await stored(), 'nothing is stored while paused').toBe(paused);
    await item.getByRole('button', { name: 'Resume Dune.2021.2160p.mkv' }).click();
    await expect.poll(stored, { timeout: 30_000 }).toBeGreaterThan(paused);
  });

  // Wait until a good part is stored on the server, then reload: the page asks first.
  await expect.poll(stored, { timeout: 60_000 }).toBeGreaterThan(50_000_000);
  const asked: string[] = [];
  page.once('dialog', async (dialog) => {
    asked.push(dialog.type());
    await dialog.accept();
  });
  await page.reload();
  expect(asked, 'leaving while uploads run asks first').toEqual(['beforeunload']);
  const leftovers = page.getByRole('region', { name: 'Unfinished uploads' });
  await expect(leftovers).toContainText('Dune.2021.2160p.mkv');
  await expect(leftovers).toContainText(/sent, Dune \(\d{4}\)/);
  const before = (await (await page.request.get('/api/uploads')).json())[0].offset;
  expect(before).toBeGreaterThan(0);

  // Picked again, it goes straight back to the queue with its movie, from the server's offset.
  await page.unroute('**/api/upload?type=chunk*');
  const offsets: number[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname === '/api/upload' && url.searchParams.get('type') === 'chunk') {
      offsets.push(Number(url.searchParams.get('offset')));
    }
  });
  await picker(page).setInputFiles([big]);
  await expect(page.getByRole('heading', { name: 'Which movie is each file?' })).toBeHidden();
  await expect(queueItem(page, 'Dune.2021.2160p.mkv').locator('.queue-line')).toContainText('Uploaded', {
    timeout: 120_000,
  });
  expect(offsets.length).toBeGreaterThan(0);
  expect(Math.min(...offsets), 'no chunk was sent again from the start').toBeGreaterThanOrEqual(before);
  const files = filesUnder(path.join(library.path)).filter((f) => f.endsWith('.mkv'));
  expect(files).toHaveLength(1);
  expect(sha256(path.join(library.path, files[0]))).toBe(sha256(big));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a picked folder helps the guess, and dropped files are taken like picked ones', async ({ page }, testInfo) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-folder-'));
  const folder = path.join(dir, 'The Matrix (1999)');
  fs.mkdirSync(folder);
  // A name that says nothing: the folder's name finds the movie.
  fs.writeFileSync(path.join(folder, 'movie.mkv'), crypto.randomBytes(4096));

  await register(page, uniqueUsername('folder'), PASSWORD);
  await createLibrary(page, 'Folders');

  await page.getByLabel('Choose a folder of movies').setInputFiles(folder);
  await expect(page.getByLabel('Movie for movie.mkv')).toHaveValue('The Matrix 1999');
  await expect(page.getByRole('button', { name: 'This one: The Matrix (1999)' })).toBeVisible();
  await page.getByRole('button', { name: "Don't upload" }).click();
  await expect(page.getByRole('heading', { name: 'Which movie is each file?' })).toBeHidden();

  // A drop of two files built in the page: one movie, one that is not.
  await page.locator('.drop-zone').evaluate((zone) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(2048)], 'Alien.1979.mkv', { lastModified: 1_700_000_000_000 }));
    transfer.items.add(new File(['hello'], 'cover.jpg'));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await expect(page.locator('details.skipped')).toContainText('cover.jpg');
  await expect(page.getByRole('button', { name: 'This one: Alien (1979)' })).toBeVisible();

  await test.step('on a phone (390×844): one column, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    const box = await page.getByRole('button', { name: 'This one: Alien (1979)' }).boundingBox();
    expect(box!.height, 'a comfortable touch target').toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: testInfo.outputPath('phone-upload.png'), fullPage: true });
  });

  await test.step('"Confirm all clear matches" confirms Alien in one click', async () => {
    await page.getByRole('button', { name: 'Confirm all clear matches (1)' }).click();
    await expect(queueItem(page, 'Alien.1979.mkv').locator('.queue-line')).toContainText('Uploaded');
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a 1 GiB upload keeps the page's JavaScript heap small", async ({ page }) => {
  test.setTimeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-heap-'));
  const big = path.join(dir, 'Alien.1979.2160p.mkv');
  writeNoise(big, 1 << 30);

  await register(page, uniqueUsername('heap'), PASSWORD);
  await createLibrary(page, 'Big files');
  const library = await activeLibrary(page);
  await picker(page).setInputFiles([big]);
  await page.getByRole('button', { name: 'This one: Alien (1979)' }).click();

  // Sample the heap the page's scripts use until the upload is done (Chromium's performance.memory).
  // The page samples it every 250 ms while it waits for the line to say "Uploaded".
  await page.waitForFunction(
    () => {
      const w = window as any;
      (w.__heapSamples ??= []).push((performance as any).memory.usedJSHeapSize as number);
      const line = document.querySelector('li.queue-item[data-file="Alien.1979.2160p.mkv"] .queue-line');
      return (line?.textContent ?? '').startsWith('Uploaded');
    },
    null,
    { polling: 250, timeout: 240_000 },
  );
  const samples: number[] = await page.evaluate(() => (window as any).__heapSamples);
  const peak = Math.max(...samples);
  console.log(`JS heap during a 1 GiB upload: peak ${(peak / 1e6).toFixed(1)} MB over ${samples.length} samples`);
  expect(samples.length).toBeGreaterThan(1);
  expect(peak).toBeLessThan(100_000_000);
  const stored = filesUnder(library.path).filter((f) => f.endsWith('.mkv'));
  expect(stored).toHaveLength(1);
  expect(fs.statSync(path.join(library.path, stored[0])).size).toBe(1 << 30);
  fs.rmSync(dir, { recursive: true, force: true });
});
