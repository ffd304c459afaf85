import { expect, test } from '@playwright/test';
import {
  PASSWORD,
  alertWith,
  atPath,
  createLibrary,
  fillAndSubmitLogin,
  h1,
  navLink,
  open,
  register,
  statusWith,
  uniqueUsername,
  uploadFile,
  waitForHydration,
} from './helpers';

test('settings persist, the theme comes in the server HTML, and a password change logs out other devices', async ({
  page,
  browser,
  request,
}) => {
  const name = uniqueUsername('settler');
  await register(page, name, PASSWORD);
  await createLibrary(page, 'Evening films');

  // A second device, logged in as the same person.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const phone = await phoneContext.newPage();
  await open(phone, '/login');
  await fillAndSubmitLogin(phone, name, PASSWORD);
  await expect(phone).not.toHaveURL(atPath('/login'));

  await test.step('the name in the header opens the settings', async () => {
    await page.locator('header').getByRole('link', { name: `Settings of ${name}` }).click();
    await expect(page).toHaveURL(atPath('/settings'));
    await expect(h1(page, 'Settings')).toBeVisible();
    await waitForHydration(page);
  });

  await test.step('light theme, 5 uploads at once, French subtitles, no autoplay', async () => {
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
    await page.getByRole('radio', { name: 'Light' }).check();
    await page.getByLabel('Files uploaded at once').selectOption('5');
    await page.getByLabel('Subtitles').selectOption('fr');
    await page.getByLabel('Play the next part of a collection when a movie ends').uncheck();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\?saved=1$/);
    await expect(statusWith(page, 'Saved.')).toBeVisible();
  });

  await test.step('after a reload: the server HTML already has the theme and the form the values', async () => {
    const response = await page.request.get('/settings');
    expect(await response.text()).toMatch(/<html[^>]*data-theme="light"/);
    await open(page, '/settings');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(245, 246, 248)');
    await expect(page.getByRole('radio', { name: 'Light' })).toBeChecked();
    await expect(page.getByLabel('Files uploaded at once')).toHaveValue('5');
    await expect(page.getByLabel('Subtitles')).toHaveValue('fr');
    await expect(page.getByLabel('Play the next part of a collection when a movie ends')).not.toBeChecked();
    // The upload page starts from the same setting.
    await open(page, '/upload');
    await expect(page.getByLabel('Uploads at once')).toHaveValue('5');
  });

  await test.step('the devices list shows the phone; a new password logs it out', async () => {
    await open(page, '/settings');
    await expect(page.getByRole('cell', { name: /this device/ })).toBeVisible();
    await expect(page.locator('table.sessions tbody tr')).toHaveCount(2);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill('a much newer secret');
    await page.getByLabel('New password again').fill('a much newer secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(statusWith(page, 'Password changed. 1 other device was logged out.')).toBeVisible();
    await phone.reload();
    await expect(phone).toHaveURL(atPath('/login'));
    await phoneContext.close();
  });

  let token = '';
  await test.step('an API token takes the password, is shown once and works', async () => {
    await page.getByLabel('Name', { exact: true }).fill('nas script');
    await page.getByLabel('Your password').fill('not my password');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect(alertWith(page, 'That is not your current password.')).toBeVisible();
    await page.getByLabel('Your password').fill('a much newer secret');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByLabel(/Token “nas script”/);
    await expect(secret).toHaveValue(/^ott_[0-9a-f]{64}$/);
    token = await secret.inputValue();
    const me = await page.request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect((await me.json()).user.username).toBe(name);
    await expect(page.getByRole('cell', { name: 'nas script', exact: true })).toBeVisible();
  });

  await test.step('a password change that also revokes the API tokens stops the token', async () => {
    await page.getByLabel('Current password').fill('a much newer secret');
    await page.getByLabel('New password', { exact: true }).fill('the newest secret of all');
    await page.getByLabel('New password again').fill('the newest secret of all');
    await page.getByLabel('Also revoke all API tokens').check();
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(
      statusWith(page, 'Password changed. No other device was logged in. 1 API token was revoked.'),
    ).toBeVisible();
    // Without the browser's session cookie, which would win over the token.
    const me = await request.get('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status()).toBe(401);
  });
});

test('the owner renames a library and removes it, keeping the files', async ({ page }) => {
  const name = uniqueUsername('librarian');
  await register(page, name, PASSWORD);
  await createLibrary(page, 'Old name');
  await uploadFile(page.request, 'The Matrix.mkv', Buffer.from('stand-in movie bytes for removal'), 'tt0133093');

  await open(page, '/');
  await navLink(page, 'Libraries').click();
  await expect(h1(page, 'Libraries')).toBeVisible();
  await waitForHydration(page);
  const card = page.locator('li.library-card');
  await expect(card).toContainText('1 movies · 1 files');

  await card.getByLabel('Name').fill('Family films');
  await card.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Family films' })).toBeVisible();
  await waitForHydration(page);

  await page.getByRole('button', { name: 'Remove…' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Remove this library?' });
  await expect(dialog).toContainText('stay on disk');
  await dialog.getByLabel('Also delete the movie files').check();
  await expect(dialog).toContainText('will be deleted');
  await dialog.getByLabel('Also delete the movie files').uncheck();
  await dialog.getByRole('button', { name: 'Remove library' }).click();
  await expect(statusWith(page, '“Family films” was removed. Its 1 movie files')).toBeVisible();
  await expect(page.getByText('You have no library yet.')).toBeVisible();
});
