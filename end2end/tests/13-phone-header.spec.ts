import { expect, test, type Page } from '@playwright/test';
import { atPath, h1, loginAsAdmin, navLink, open, waitForHydration } from './helpers';

const PHONE = { width: 390, height: 844 };

/** Elements of the header that are drawn but stick out of the screen. */
async function cutOff(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('header *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.left < -0.5 || r.right > window.innerWidth + 0.5) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
      }
    }
    return out;
  });
}

function menuButton(page: Page) {
  return page.locator('header summary[aria-label="Menu"]');
}

test('on a phone the header is one short row: search in reach, everything else behind Menu', async ({ page, browser }) => {
  // The administrator sees every link there is (Home, Upload, Libraries, Monitor, Admin).
  await loginAsAdmin(page);
  await page.setViewportSize(PHONE);
  await open(page, '/');

  await test.step('at most 64 px tall, nothing cut off, the search box visible', async () => {
    const header = await page.locator('header.site-header').boundingBox();
    expect(header!.height).toBeLessThanOrEqual(64);
    expect(await cutOff(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await expect(page.getByRole('searchbox', { name: 'Search movies' })).toBeVisible();
    // The wide bar's links are not shown (nor announced); the menu button is.
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(menuButton(page)).toBeVisible();
  });

  await test.step('Menu opens the links, the user and Log out, all on screen; a link closes it', async () => {
    await menuButton(page).click();
    for (const name of ['Home', 'Upload', 'Libraries', 'Monitor', 'Admin']) {
      await expect(navLink(page, name)).toBeVisible();
    }
    await expect(page.locator('header').getByRole('button', { name: 'Log out', exact: true })).toBeVisible();
    await expect(page.locator('header').getByRole('link', { name: /^Settings of / })).toBeVisible();
    expect(await cutOff(page)).toEqual([]);
    await navLink(page, 'Libraries').click();
    await expect(page).toHaveURL(atPath('/libraries'));
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
  });

  await test.step('by keyboard: Enter opens the menu, Escape closes it and returns to the button', async () => {
    await menuButton(page).focus();
    await page.keyboard.press('Enter');
    await expect(navLink(page, 'Upload')).toBeVisible();
    await navLink(page, 'Upload').focus();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);
    await expect(menuButton(page)).toBeFocused();
  });

  await test.step('the search is one tap away', async () => {
    const search = page.getByRole('searchbox', { name: 'Search movies' });
    await search.fill('matrix');
    await search.press('Enter');
    await expect(page).toHaveURL(/\/search\?q=matrix$/);
    await expect(h1(page, 'Search')).toBeVisible();
  });

  await test.step('without JavaScript the menu still opens and its links work', async () => {
    const plain = await browser.newContext({
      javaScriptEnabled: false,
      viewport: PHONE,
      storageState: await page.context().storageState(),
    });
    const noJs = await plain.newPage();
    await noJs.goto('/');
    await menuButton(noJs).click();
    await navLink(noJs, 'Libraries').click();
    await expect(noJs).toHaveURL(atPath('/libraries'));
    await expect(noJs.getByRole('heading', { level: 1 })).toBeVisible();
    await plain.close();
  });

  await test.step('on a wide screen the links are in the bar and there is no menu button', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, '/');
    await expect(menuButton(page)).toBeHidden();
    await navLink(page, 'Libraries').click();
    await expect(page).toHaveURL(atPath('/libraries'));
    await waitForHydration(page);
    // One row: the name on the left and Log out on the right, side by side.
    const brand = await page.locator('header .brand').boundingBox();
    const logoutButton = await page.locator('header').getByRole('button', { name: 'Log out', exact: true }).boundingBox();
    expect(Math.abs(brand!.y + brand!.height / 2 - (logoutButton!.y + logoutButton!.height / 2))).toBeLessThan(8);
  });
});
