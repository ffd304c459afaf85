import { expect, test } from '@playwright/test';
import { PASSWORD, createLibrary, h1, open, register, uniqueUsername } from './helpers';

test('an owner sees disks, library sizes and traffic charts on /monitor, on a phone too', async ({ page }, testInfo) => {
  await register(page, uniqueUsername('watcher'), PASSWORD);
  await createLibrary(page, 'Monitored movies');

  await open(page, '/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitor' }).click();
  await expect(h1(page, 'Server monitor')).toBeVisible();
  // One gauge per disk, labelled with what it shows.
  await expect(page.getByRole('img', { name: /used of .* free$/ }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Monitored movies' })).toBeVisible();
  await expect(page.getByText(/stream\(s\) playing/)).toBeVisible();

  // The traffic chart switches span; this page's own requests are already counted.
  const chart = page.getByRole('img', { name: /^Traffic: / });
  await expect(chart).toBeVisible();
  await expect(page.getByText(/Since the server started: .* received, .* sent\./)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Last hour' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Last 30 days' }).click();
  await expect(page.getByRole('button', { name: 'Last 30 days' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('.traffic-chart polyline').first()).toHaveAttribute('points', /^(\S+ ){29}\S+$/);

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: testInfo.outputPath('phone-monitor.png'), fullPage: true });
});
