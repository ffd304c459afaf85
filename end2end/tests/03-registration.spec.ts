import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  PASSWORD,
  alertWith,
  atPath,
  createLibrary,
  fillAndSubmitRegister,
  h1,
  login,
  loginAsAdmin,
  navLink,
  open,
  register,
  setRegistrationOpen,
  uniqueUsername,
} from './helpers';

// ADMIN is the shared server's first user (the setup project registers it).
test.describe.configure({ mode: 'serial' });

/** Runs `fn` with a page in a brand-new, logged-out browser context. */
async function inNewContext(
  browser: Browser,
  baseURL: string | undefined,
  fn: (page: Page) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext({ baseURL });
  try {
    await fn(await context.newPage());
  } finally {
    await context.close();
  }
}

test('the admin can close and reopen registration', async ({ page, browser, baseURL }) => {
  await loginAsAdmin(page);

  try {
    await test.step('untick "Allow new people to register" and save', async () => {
      await setRegistrationOpen(page, false);
    });

    await test.step('the setting is stored', async () => {
      await open(page, '/admin');
      await expect(
        page.getByRole('checkbox', { name: 'Allow new people to register' }),
      ).not.toBeChecked();
    });

    await test.step('a newcomer cannot register', async () => {
      const username = uniqueUsername('closed');
      await inNewContext(browser, baseURL, async (visitor) => {
        await open(visitor, '/register');
        const closed = alertWith(visitor, 'Registration is closed');
        // The page may say so straight away; otherwise the submission is refused.
        if (!(await closed.isVisible())) {
          await fillAndSubmitRegister(visitor, username, PASSWORD);
        }
        await expect(closed).toBeVisible();
        await expect(visitor).not.toHaveURL(atPath('/setup'));

        // …and no account was created.
        await login(visitor, username, PASSWORD);
        await expect(alertWith(visitor, 'Wrong username or password.')).toBeVisible();
      });
    });
  } finally {
    // Always reopen registration so later tests (and reruns) can register.
    await test.step('tick "Allow new people to register" again and save', async () => {
      await setRegistrationOpen(page, true);
    });
  }

  await test.step('the setting is stored', async () => {
    await open(page, '/admin');
    await expect(
      page.getByRole('checkbox', { name: 'Allow new people to register' }),
    ).toBeChecked();
  });

  await test.step('a newcomer can register again', async () => {
    await inNewContext(browser, baseURL, async (visitor) => {
      await register(visitor, uniqueUsername('reopen'), PASSWORD);
      await expect(visitor).toHaveURL(atPath('/setup'));
      await expect(h1(visitor, 'Create your library')).toBeVisible();
    });
  });
});

test('a user who is not the first one is not an admin', async ({ page }) => {
  const username = uniqueUsername('plain');
  await register(page, username, PASSWORD);
  await expect(page).toHaveURL(atPath('/setup'));
  await createLibrary(page, 'Movies');

  await expect(page.locator('header')).toContainText(username);
  await expect(navLink(page, 'Home')).toBeVisible();
  await expect(navLink(page, 'Upload')).toBeVisible();
  await expect(navLink(page, 'Admin')).toHaveCount(0);
});
