import { expect, test, type Browser, type Page } from '@playwright/test';
import {
  PASSWORD,
  alertWith,
  atPath,
  createLibrary,
  fillAndSubmitLogin,
  fillAndSubmitRegister,
  h1,
  login,
  loginAsAdmin,
  navLink,
  open,
  register,
  setRegistrationOpen,
  uniqueUsername,
  waitForHydration,
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

test('a visitor gets the sign-up and login pages without the app; it loads once logged in', async ({
  page,
  browser,
  baseURL,
}) => {
  /** The app's code (not the stylesheet) each page requests. */
  const appFiles = (visitor: Page) => {
    const files: string[] = [];
    visitor.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/pkg/') && !pathname.endsWith('.css')) files.push(pathname);
    });
    return files;
  };
  const hydrated = (visitor: Page) => visitor.evaluate(() => (window as any).__ott_hydrated === true);
  const username = uniqueUsername('plainf');
  const loaded = appFiles(page);

  await test.step('the sign-up page is a plain form: no script, no WASM', async () => {
    await open(page, '/register');
    await expect(h1(page, 'Create your account')).toBeVisible();
    await page.waitForLoadState('networkidle');
    expect(loaded).toEqual([]);
    expect(await hydrated(page)).toBe(false);
  });

  await test.step('the server takes the form and the next page runs the app', async () => {
    await fillAndSubmitRegister(page, username, PASSWORD);
    await expect(page).toHaveURL(atPath('/setup'));
    await waitForHydration(page);
    expect(await hydrated(page)).toBe(true);
    expect(loaded.filter((file) => file.endsWith('.wasm')).length).toBeGreaterThan(0);
  });

  await test.step('the login page too; a wrong password comes back from the server', async () => {
    await inNewContext(browser, baseURL, async (visitor) => {
      const visitorLoaded = appFiles(visitor);
      await open(visitor, '/login?next=%2Fsetup');
      await fillAndSubmitLogin(visitor, username, 'not the password');
      await expect(alertWith(visitor, 'Wrong username or password.')).toBeVisible();
      // The error came back in the address; the page takes it out and keeps the rest.
      await expect(visitor).toHaveURL(atPath('/login'));
      expect(new URL(visitor.url()).search).toBe('?next=%2Fsetup');
      await visitor.waitForLoadState('networkidle');
      expect(visitorLoaded).toEqual([]);
      await fillAndSubmitLogin(visitor, username, PASSWORD);
      await expect(visitor).toHaveURL(atPath('/setup'));
      await waitForHydration(visitor);
      expect(await hydrated(visitor)).toBe(true);
      expect(visitorLoaded.filter((file) => file.endsWith('.wasm')).length).toBeGreaterThan(0);
    });
  });
});
