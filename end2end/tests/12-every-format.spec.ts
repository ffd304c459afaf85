import { expect, test, type Page, type Response } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PASSWORD,
  createLibrary,
  open,
  openRegistration,
  register,
  uniqueUsername,
  uploadFile,
} from './helpers';

// Every movie plays in every browser (docs/playback.md): each clip is uploaded, opened on
// /watch, and must play with sound, play again after a jump to 80%, and show the note saying
// what the server does. The modes are what Debian's Chromium (no GPU: no HEVC; no AC-3,
// E-AC-3 or DTS) gets from the server's rules.
//
// The clips are made with Debian's ffmpeg in beforeAll (about 15 s on two cores), or taken
// from OTT_E2E_CLIPS_DIR when that folder has a file of the same name.

interface Clip {
  file: string;
  /** ffmpeg arguments after the inputs (video test pattern, a 440 Hz tone). */
  args: string[];
  /** The modes the server may choose for Chromium. */
  modes: string[];
  /** Extra inputs: a second tone (880 Hz) and the subtitle file. */
  twoTracksAndSubtitle?: boolean;
}

const H264 = ['-c:v', 'libx264', '-g', '48', '-pix_fmt', 'yuv420p'];
const X265 = (tag: string[], pixFmt: string) => [
  '-c:v', 'libx265', '-x265-params', 'log-level=error:keyint=48', ...tag, '-pix_fmt', pixFmt,
];

const CLIPS: Clip[] = [
  { file: 'mp4-h264-aac.mp4', args: [...H264, '-c:a', 'aac', '-movflags', '+faststart'], modes: ['direct'] },
  { file: 'mkv-h264-ac3-51.mkv', args: [...H264, '-c:a', 'ac3', '-ac', '6'], modes: ['audio'] },
  { file: 'mkv-h264-dts.mkv', args: [...H264, '-c:a', 'dca', '-strict', '-2', '-ac', '2'], modes: ['audio'] },
  { file: 'mkv-hevc10-aac.mkv', args: [...X265([], 'yuv420p10le'), '-c:a', 'aac'], modes: ['transcode'] },
  {
    file: 'mp4-hevc-hev1.mp4',
    args: [...X265(['-tag:v', 'hev1'], 'yuv420p'), '-c:a', 'aac', '-movflags', '+faststart'],
    modes: ['transcode'],
  },
  { file: 'avi-xvid-mp3.avi', args: ['-c:v', 'libxvid', '-g', '48', '-q:v', '5', '-c:a', 'libmp3lame', '-b:a', '128k'], modes: ['transcode'] },
  {
    file: 'webm-vp9-opus.webm',
    args: ['-c:v', 'libvpx-vp9', '-g', '48', '-b:v', '300k', '-deadline', 'realtime', '-cpu-used', '8', '-pix_fmt', 'yuv420p', '-c:a', 'libopus'],
    // Chromium plays WebM as it is; a remux would also be acceptable.
    modes: ['direct', 'remux'],
  },
  {
    file: 'mkv-two-audio-srt.mkv',
    args: [
      '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s', ...H264,
      '-c:a:0', 'eac3', '-c:a:1', 'aac', '-c:s', 'srt',
      '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra', '-metadata:s:s:0', 'language=fra',
    ],
    modes: ['audio'],
    twoTracksAndSubtitle: true,
  },
];

const SECONDS = 20;
const SUBTITLE_CUE = 'Bonjour, Neo.';
let clipsDir = '';
let madeDir: string | null = null;

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  // A new server closes registration after its first account; this file registers a user per
  // clip, also when it runs on its own.
  await openRegistration(browser);
  const given = process.env.OTT_E2E_CLIPS_DIR;
  clipsDir = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-clips-'));
  if (!given) madeDir = clipsDir;
  const srt = path.join(clipsDir, 'subs.srt');
  if (!fs.existsSync(srt)) {
    fs.writeFileSync(srt, `1\n00:00:01,000 --> 00:00:06,000\n${SUBTITLE_CUE}\n\n2\n00:00:15,000 --> 00:00:19,000\nSuivez le lapin blanc.\n`);
  }
  for (const clip of CLIPS) {
    const out = path.join(clipsDir, clip.file);
    if (fs.existsSync(out)) continue;
    const inputs = [
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=24',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      ...(clip.twoTracksAndSubtitle ? ['-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000', '-i', srt] : []),
    ];
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...inputs, '-t', String(SECONDS), ...clip.args, out]);
  }
});

test.afterAll(() => {
  if (madeDir) fs.rmSync(madeDir, { recursive: true, force: true });
});

/** Uploads `file` into a new user's library and waits until the server has analysed it. */
async function uploadAndProbe(page: Page, file: string): Promise<number> {
  await register(page, uniqueUsername('formats'), PASSWORD);
  await createLibrary(page, 'Every format');
  const bytes = fs.readFileSync(path.join(clipsDir, file));
  const { movieFileId } = await uploadFile(page.request, `The.Matrix.1999.${file}`, bytes, 'tt0133093');
  await expect
    .poll(async () => (await (await page.request.get(`/api/files/${movieFileId}/watch`)).json()).playback ?? null, {
      message: 'the watch view carries the file probe',
      timeout: 60_000,
    })
    .not.toBeNull();
  return movieFileId;
}

const isPlayback = (id: number) => (r: Response) =>
  new URL(r.url()).pathname === `/api/files/${id}/playback` && r.request().method() === 'GET';

/** Plays (muted; asking again while the player switches sources) until the time passes `t`. */
async function playPast(page: Page, t: number, timeout = 45_000) {
  const video = page.locator('video');
  await expect
    .poll(
      () =>
        video.evaluate(async (v: HTMLVideoElement) => {
          v.muted = true;
          if (v.paused) await v.play().catch(() => undefined);
          return v.currentTime;
        }),
      { message: `the video plays past ${t.toFixed(1)} s`, timeout, intervals: [250, 500, 1000] },
    )
    .toBeGreaterThan(t);
}

const audioBytes = (page: Page) =>
  page.locator('video').evaluate((v: HTMLVideoElement) => (v as any).webkitAudioDecodedByteCount as number);
const videoFrames = (page: Page) =>
  page.locator('video').evaluate((v: HTMLVideoElement) => v.getVideoPlaybackQuality().totalVideoFrames);

for (const clip of CLIPS) {
  test(`${clip.file} plays with sound, jumps to 80% and says how it plays`, async ({ page }) => {
    test.setTimeout(240_000);
    const id = await uploadAndProbe(page, clip.file);

    const answered = page.waitForResponse(isPlayback(id));
    await open(page, `/watch/${id}`);
    const response = await answered;
    expect(response.status(), await response.text()).toBe(200);
    const view = await response.json();
    const query = new URL(response.url()).searchParams;

    await test.step('the browser reported what it tested', async () => {
      expect(['mse', 'native']).toContain(query.get('hls'));
      expect(query.get('direct')).toMatch(/^[01]$/);
      // Chromium decodes H.264 and AAC in MSE: both must be among the strings it said yes to.
      const supported = (query.get('supported') ?? '').split(',');
      expect(supported.some((c) => c.startsWith('avc1.')), supported.join(',')).toBe(true);
      expect(supported).toContain('mp4a.40.2');
    });

    await test.step(`the server chose ${clip.modes.join(' or ')}, and the note says so`, async () => {
      expect(clip.modes).toContain(view.mode);
      expect(view.note).toMatch(/\S/);
      await expect(page.locator('.player-note')).toHaveText(view.note);
      if (view.mode === 'direct') expect(view.url).toBe(`/stream/${id}`);
      else {
        expect(view.url).toMatch(/\/master\.m3u8$/);
        expect(view.session).toBeTruthy();
      }
    });

    await test.step('it plays: time passes, frames and sound are decoded', async () => {
      await playPast(page, 2);
      await expect.poll(() => videoFrames(page), { message: 'video frames decoded' }).toBeGreaterThan(0);
      await expect.poll(() => audioBytes(page), { message: 'audio decoded' }).toBeGreaterThan(0);
      if (view.mode !== 'direct') {
        // hls.js (MSE) or the element's own HLS: not the file.
        const src = await page.locator('video').evaluate((v: HTMLVideoElement) => v.currentSrc);
        expect(src).not.toContain(`/stream/${id}`);
      }
    });

    await test.step('a jump to 80% plays again within seconds', async () => {
      const video = page.locator('video');
      await expect
        .poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { message: 'the duration is known' })
        .toBeGreaterThan(SECONDS - 1.5);
      const target = await video.evaluate((v: HTMLVideoElement) => {
        const target = v.duration * 0.8;
        v.currentTime = target;
        return target;
      });
      const before = await audioBytes(page);
      await playPast(page, target + 1, 30_000);
      await expect.poll(() => audioBytes(page), { message: 'audio decoded after the jump' }).toBeGreaterThan(before);
    });

    if (clip.twoTracksAndSubtitle) {
      // Back near the start, paused, so the clip does not end during the next steps (the
      // first cue runs from 1 s to 6 s).
      await page.locator('video').evaluate((v: HTMLVideoElement) => {
        v.pause();
        v.currentTime = 2;
      });

      await test.step('the embedded subtitle is offered, as a track and in the menu, and shows', async () => {
        const text = (view.embeddedSubtitles as { url: string | null; label: string }[]).filter((s) => s.url);
        expect(text).toHaveLength(1);
        const track = page.locator(`video track[kind="subtitles"][src="${text[0].url}"]`);
        await expect(track).toHaveCount(1);
        const menu = page.getByLabel('Subtitles', { exact: true });
        await expect(menu.getByRole('option', { name: text[0].label, exact: true })).toHaveCount(1);
        await menu.selectOption({ label: text[0].label });
        await expect
          .poll(() =>
            track.evaluate((t: HTMLTrackElement) => ({
              mode: t.track.mode,
              cues: Array.from(t.track.cues ?? []).map((c) => (c as VTTCue).text),
            })),
          )
          .toEqual({ mode: 'showing', cues: [SUBTITLE_CUE, 'Suivez le lapin blanc.'] });
      });

      await test.step('the second audio track can be chosen: a new session from where the video is', async () => {
        const menu = page.getByLabel('Audio', { exact: true });
        await expect(menu.getByRole('option')).toHaveCount(2);
        const tracks = view.audioTracks as { index: number; label: string }[];
        expect(tracks).toHaveLength(2);
        const other = tracks.find((t) => t.index !== view.audio)!;
        const video = page.locator('video');
        const position = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
        const oldSrc = await video.evaluate((v: HTMLVideoElement) => v.currentSrc);
        const ended = page.waitForRequest(
          (r) => r.method() === 'DELETE' && new URL(r.url()).pathname === `/api/playback/${view.session}`,
        );
        const switched = page.waitForResponse(isPlayback(id));
        await menu.selectOption(String(other.index));
        await ended;
        const again = await switched;
        expect(again.status(), await again.text()).toBe(200);
        const params = new URL(again.url()).searchParams;
        expect(params.get('audio')).toBe(String(other.index));
        expect(Number(params.get('start'))).toBeGreaterThan(position - 2);
        const next = await again.json();
        expect(next.audio).toBe(other.index);
        expect(next.session).not.toBe(view.session);
        await expect(page.locator('.player-note')).toHaveText(next.note);
        await expect(menu).toHaveValue(String(other.index));
        // A new source (the decoder's counters may start again with it).
        await expect
          .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentSrc), { message: 'the new session is attached' })
          .not.toBe(oldSrc);
        const before = await audioBytes(page);
        await playPast(page, position + 1, 30_000);
        await expect.poll(() => audioBytes(page), { message: 'the other track is decoded' }).toBeGreaterThan(before);
        // The subtitle chosen before stays on.
        await expect
          .poll(() => page.locator('video track[kind="subtitles"]').evaluateAll((ts) =>
            ts.filter((t) => (t as HTMLTrackElement).track.mode === 'showing').length))
          .toBe(1);
        view.session = next.session;
      });

      await test.step('on a phone (390×844) the menus fit the screen', async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        for (const name of ['Audio', 'Subtitles']) {
          const box = await page.getByLabel(name, { exact: true }).boundingBox();
          expect(box, name).not.toBeNull();
          expect(box!.x).toBeGreaterThanOrEqual(0);
          expect(box!.x + box!.width).toBeLessThanOrEqual(390);
        }
      });
    }

    if (view.session) {
      await test.step('leaving the page ends the session', async () => {
        await page.goto('/');
        await expect
          .poll(async () => (await page.request.get(`/api/playback/${view.session}/master.m3u8`)).status(), {
            message: 'the session is gone',
          })
          .toBe(404);
      });
    }
  });
}
