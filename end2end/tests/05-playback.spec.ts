import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PASSWORD, createLibrary, h1, open, register, uniqueUsername, waitForHydration } from './helpers';

/** A real 6-second H.264/AAC MP4, made with Debian's ffmpeg. */
function makeMovie(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-movie-'));
  const file = path.join(dir, 'movie.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=24',
    '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '6',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', file,
  ]);
  const bytes = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

test('a movie plays in the browser, its position is saved, and a reload offers to resume', async ({ page }, testInfo) => {
  await register(page, uniqueUsername('viewer'), PASSWORD);
  await createLibrary(page, 'Playback movies');

  const bytes = makeMovie();
  const api = page.request;
  const init = await api.post(`/api/upload?type=init&filename=The.Matrix.1999.mp4&size=${bytes.length}&lastModified=1700000000000`);
  expect(init.status(), await init.text()).toBe(200);
  const { uploadId } = await init.json();
  const chunk = await api.post(`/api/upload?type=chunk&uploadId=${uploadId}&chunkNr=1&offset=0`, { data: bytes });
  expect(chunk.status(), await chunk.text()).toBe(200);
  const end = await api.post(`/api/upload?type=end&uploadId=${uploadId}&imdbId=tt0133093&mode=new`);
  expect(end.status(), await end.text()).toBe(200);
  const { movieFileId } = await end.json();

  await test.step('the movie page has a Play button that opens the player', async () => {
    await open(page, '/');
    await page.getByRole('link', { name: /^The Matrix/ }).first().click();
    await expect(h1(page, 'The Matrix')).toBeVisible();
    await page.getByRole('link', { name: '▶ Play' }).click();
    await expect(page).toHaveURL(new RegExp(`/watch/${movieFileId}$`));
    await waitForHydration(page);
  });

  const video = page.locator('video');
  await test.step('space plays: the time advances; space again pauses and saves the position', async () => {
    await video.evaluate((v: HTMLVideoElement) => (v.muted = true));
    await page.locator('body').press(' ');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(1.5);
    await page.locator('body').press(' ');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.paused)).toBe(true);
    await expect
      .poll(async () => (await (await api.get(`/api/files/${movieFileId}/watch`)).json()).resumeAt ?? 0)
      .toBeGreaterThan(1.5);
  });

  await test.step('after a reload the player offers to resume there', async () => {
    const saved = (await (await api.get(`/api/files/${movieFileId}/watch`)).json()).resumeAt as number;
    await page.reload();
    await waitForHydration(page);
    const resume = page.getByRole('button', { name: /^Resume from 0:0\d$/ });
    await expect(resume).toBeVisible();
    await expect(page.getByRole('button', { name: 'Start over' })).toBeVisible();
    await video.evaluate((v: HTMLVideoElement) => (v.muted = true));
    await resume.click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(saved - 0.5);
    await expect(resume).toBeHidden();
  });

  await test.step('on a phone (390×844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: testInfo.outputPath('phone-player.png') });
    await open(page, '/');
    await expect(page.getByRole('link', { name: /^The Matrix/ }).first()).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('phone-home.png') });
  });
});
