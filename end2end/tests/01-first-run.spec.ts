import { expect, test } from '@playwright/test';
import {
  ADMIN,
  alertWith,
  atPath,
  createLibrary,
  fillAndSubmitLogin,
  h1,
  login,
  logout,
  navLink,
  open,
  register,
  setRegistrationOpen,
  waitForHydration,
} from './helpers';

// This file has a brand-new server of its own (the `first-run` project): the first test that
// registers someone registers ADMIN, who therefore becomes that server's admin. Its tests build
// on each other, so they run in order and stop at the first failure.
test.describe.configure({ mode: 'serial' });

test('visiting / while logged out redirects to /login', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(atPath('/login'));
  await expect(h1(page, 'Log in')).toBeVisible();
  await waitForHydration(page);

  // A brand-new server says what to do first.
  await expect(page.getByText('This server has no accounts yet.')).toBeVisible();
  await page.getByRole('link', { name: 'Create the first account', exact: true }).click();
  await expect(page).toHaveURL(atPath('/register'));
  await expect(h1(page, 'Create your account')).toBeVisible();
  await expect(page.getByText("this account will be the server's administrator")).toBeVisible();
});

test('register → log in → create library → upload page', async ({ page }) => {
  await test.step('register the first user', async () => {
    await register(page, ADMIN.username, ADMIN.password);
    await expect(page).toHaveURL(atPath('/setup'));
    await expect(h1(page, 'Create your library')).toBeVisible();
    await waitForHydration(page);
  });

  await test.step('log out', async () => {
    await logout(page);
  });

  await test.step('a wrong password is refused', async () => {
    await fillAndSubmitLogin(page, ADMIN.username, 'not the password');
    await expect(alertWith(page, 'Wrong username or password.')).toBeVisible();
    await expect(page).toHaveURL(atPath('/login'));
  });

  await test.step('log in; no library yet, so /setup', async () => {
    // The form may have been re-rendered; fill everything again.
    await fillAndSubmitLogin(page, ADMIN.username, ADMIN.password);
    await expect(page).toHaveURL(atPath('/setup'));
    await expect(h1(page, 'Create your library')).toBeVisible();
  });

  await test.step('create the library', async () => {
    await createLibrary(page, 'Family movies');
  });

  await test.step('registration starts closed after the first account; the admin opens it for the other files', async () => {
    await open(page, '/admin');
    await expect(h1(page, 'Server settings')).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'Allow new people to register' })).not.toBeChecked();
    await setRegistrationOpen(page, true);
    await open(page, '/upload');
  });

  await test.step('the header shows the user and, for the admin, the Admin link', async () => {
    await expect(page.locator('header')).toContainText(ADMIN.username);
    await expect(navLink(page, 'Home')).toHaveAttribute('href', '/');
    await expect(navLink(page, 'Upload')).toHaveAttribute('href', '/upload');
    await expect(navLink(page, 'Admin')).toHaveAttribute('href', '/admin');
    await expect(navLink(page, 'Admin')).toBeVisible();
    await expect(page.locator('header').getByRole('button', { name: 'Log out' })).toBeVisible();
  });

  await test.step('after hydration, links navigate without reloading the page', async () => {
    const response = await page.goto('/no-such-page');
    expect(response?.status()).toBe(404);
    await expect(h1(page, 'Page not found')).toBeVisible();
    await waitForHydration(page);

    await page.evaluate(() => {
      (window as any).__marker = 42;
    });
    const documentRequests: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'document') documentRequests.push(request.url());
    });

    await page.getByRole('link', { name: 'Go to the home page' }).click();

    // Home redirects a user with an empty library to /upload, client-side.
    await expect(page).toHaveURL(atPath('/upload'));
    await expect(h1(page, 'Upload movies')).toBeVisible();
    await expect(page.getByText('Library: Family movies')).toBeVisible();

    expect(await page.evaluate(() => (window as any).__marker)).toBe(42);
    expect(documentRequests, 'no full page load after the click').toEqual([]);
  });
});

test('a taken username is refused', async ({ page }) => {
  await register(page, ADMIN.username, 'another password 123');
  await expect(alertWith(page, 'That username is taken.')).toBeVisible();
  await expect(page).not.toHaveURL(atPath('/setup'));
});

test('an unknown user cannot log in', async ({ page }) => {
  await login(page, 'nobodyhere', 'whatever password 1');
  await expect(alertWith(page, 'Wrong username or password.')).toBeVisible();
});
