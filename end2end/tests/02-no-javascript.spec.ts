import { expect, test } from '@playwright/test';
import {
  PASSWORD,
  alertWith,
  atPath,
  createLibrary,
  fillAndSubmitLogin,
  h1,
  login,
  logout,
  register,
  statusWith,
  uniqueUsername,
  uploadFile,
} from './helpers';

// Every form must work as a plain HTML form POST followed by a redirect.
test.use({ javaScriptEnabled: false });

const noJs = { js: false };

test('without JavaScript: register → set up library → log out → log in', async ({ page }) => {
  const username = uniqueUsername('nojs');

  await test.step('register; the server redirects to /setup', async () => {
    await register(page, username, PASSWORD, noJs);
    await expect(page).toHaveURL(atPath('/setup'));
    await expect(h1(page, 'Create your library')).toBeVisible();
  });

  await test.step('create the library; the server redirects to /upload', async () => {
    await createLibrary(page, 'No JS library', noJs);
    await expect(page.locator('header')).toContainText(username);
  });

  await test.step('log out', async () => {
    await logout(page, noJs);
  });

  await test.step('a wrong password is refused', async () => {
    await fillAndSubmitLogin(page, username, 'not the password');
    await expect(alertWith(page, 'Wrong username or password.')).toBeVisible();
  });

  await test.step('log in; the library exists, so / sends us to /upload', async () => {
    await login(page, username, PASSWORD, noJs);
    await expect(page).toHaveURL(atPath('/upload'));
    await expect(h1(page, 'Upload movies')).toBeVisible();
    await expect(page.getByText('Library: No JS library')).toBeVisible();
  });
});

test('without JavaScript: an unknown page is a real 404', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(h1(page, 'Page not found')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to the home page' })).toHaveAttribute('href', '/');
});

test('without JavaScript: "Refresh metadata" posts the form and says it is queued', async ({ page }) => {
  await register(page, uniqueUsername('nojsrefresh'), PASSWORD, noJs);
  await createLibrary(page, 'No JS refresh', noJs);
  await uploadFile(page.request, 'Heat.1995.mkv', Buffer.from('forty bytes of a movie, more or less....'), 'tt0113277');
  const me = await (await page.request.get('/api/me')).json();
  const library = me.active_library_id;
  await page.goto(`/movie/tt0113277?library=${library}`);
  await page.getByRole('button', { name: 'Refresh metadata', exact: true }).click();
  // The server answers the plain form with a redirect back to the page, which says so.
  await expect(page).toHaveURL(new RegExp(`/movie/tt0113277\\?library=${library}&queued=1$`));
  await expect(statusWith(page, 'Queued')).toBeVisible();
});
