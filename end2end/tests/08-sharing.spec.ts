import { expect, test } from '@playwright/test';
import {
  PASSWORD,
  alertWith,
  createLibrary,
  fillAndSubmitRegister,
  h1,
  loginAsAdmin,
  open,
  register,
  setRegistrationOpen,
  uniqueUsername,
  uploadFile,
  waitForHydration,
} from './helpers';

test('the owner shares a link; a new person registers through it, sees the movies and cannot delete', async ({
  page,
  browser,
}) => {
  const owner = uniqueUsername('sharer');
  await register(page, owner, PASSWORD);
  await createLibrary(page, 'Shared movies');
  await uploadFile(
    page.request,
    'The Matrix.mkv',
    Buffer.from('a short stand-in for a movie file, shared with a friend'),
    'tt0133093',
  );
  const me = await (await page.request.get('/api/me')).json();
  // The metadata job names it from the stand-in IMDb.
  await expect
    .poll(async () => (await (await page.request.get(`/api/movies/tt0133093?library=${me.active_library_id}`)).json()).title)
    .toBe('The Matrix');

  let link = '';
  await test.step('the owner makes a single-use viewer link on /share', async () => {
    await open(page, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Share' }).click();
    await expect(h1(page, 'Share “Shared movies”')).toBeVisible();
    await page.getByLabel('They can').selectOption('viewer');
    await page.getByLabel('The link works for').selectOption('24');
    await page.getByLabel('Only one person may use it').check();
    await page.getByRole('button', { name: 'Create link' }).click();
    const url = page.getByLabel('Send this link (it is shown only now):');
    await expect(url).toHaveValue(/\/join\/[0-9a-f]{64}$/);
    link = await url.inputValue();
    await expect(page.getByRole('cell', { name: 'one person' })).toBeVisible();
    await expect(page.getByRole('cell', { name: 'Works' })).toBeVisible();
  });

  // The administrator closes registration (in their own browser): the link alone lets the
  // friend make an account.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await loginAsAdmin(admin);
  await setRegistrationOpen(admin, false);

  // A second browser context: another person, on another device, not logged in.
  const friendContext = await browser.newContext();
  const friend = await friendContext.newPage();
  const friendName = uniqueUsername('friend');
  try {
    await test.step('with registration closed, the friend opens the link, creates an account and is in', async () => {
      await friend.goto(link);
      await expect(friend.getByText('You were invited to a library on this server.')).toBeVisible();
      await friend.getByRole('link', { name: 'Create an account' }).click();
      await expect(h1(friend, 'Create your account')).toBeVisible();
      await fillAndSubmitRegister(friend, friendName, PASSWORD);
      // The new account joined through the link at once and lands on the home page.
      await expect(friend).toHaveURL(/\/$/);
      await waitForHydration(friend);
    });

    await test.step('without a link, registration stays closed', async () => {
      const strangerContext = await browser.newContext();
      const stranger = await strangerContext.newPage();
      await register(stranger, uniqueUsername('nolink'), PASSWORD);
      await expect(alertWith(stranger, 'Registration is closed')).toBeVisible();
      await strangerContext.close();
    });
  } finally {
    // Always reopen registration so later tests (and reruns) can register.
    await setRegistrationOpen(admin, true);
    await adminContext.close();
  }

  await test.step('the friend sees the shared movie but no delete button', async () => {
    const card = friend.getByRole('link', { name: /^The Matrix/ }).first();
    await expect(card).toBeVisible();
    await card.click();
    await expect(h1(friend, 'The Matrix')).toBeVisible();
    await expect(friend.getByRole('cell', { name: /^movie\.mkv\b/ })).toBeVisible();
    await expect(friend.getByRole('button', { name: /^Delete / })).toHaveCount(0);
    // The API says the same: a viewer may not delete.
    const me = await (await friend.request.get('/api/me')).json();
    const shared = me.libraries.find((l: { name: string }) => l.name === 'Shared movies');
    expect(shared.role).toBe('viewer');
    const movie = await (await friend.request.get(`/api/movies/tt0133093?library=${shared.id}`)).json();
    const refused = await friend.request.delete(`/api/files/${movie.files[0].id}`);
    expect(refused.status()).toBe(403);
  });

  await test.step('with two libraries, the header switches between them', async () => {
    const made = await friend.request.post('/api/libraries', { data: { name: 'Friend films' } });
    expect(made.status(), await made.text()).toBe(201);
    const own = (await made.json()).id;
    await open(friend, '/');
    const select = friend.getByRole('combobox', { name: 'Library' });
    await expect(select.getByRole('option')).toHaveCount(2);
    await select.selectOption({ label: 'Friend films' });
    await expect
      .poll(async () => (await (await friend.request.get('/api/me')).json()).active_library_id)
      .toBe(own);
    await expect(friend.getByRole('combobox', { name: 'Library' })).toHaveValue(String(own));
  });

  await test.step('the link was for one person: a third person is told it is used', async () => {
    const thirdContext = await browser.newContext();
    const third = await thirdContext.newPage();
    await register(third, uniqueUsername('third'), PASSWORD);
    await expect(third).toHaveURL(/\/setup$/);
    await third.goto(link);
    await expect(third.getByRole('alert')).toContainText('has been used');
    await thirdContext.close();
  });

  await test.step('the owner sees the friend as a member and removes them', async () => {
    await open(page, '/share');
    const members = page.getByRole('list').filter({ hasText: friendName });
    await expect(members).toContainText('viewer');
    await expect(page.getByRole('cell', { name: 'Used' })).toBeVisible();
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: `Remove ${friendName}` }).click();
    await expect(page.getByText(friendName)).toHaveCount(0);
    const me = await (await friend.request.get('/api/me')).json();
    expect(me.libraries.some((l: { name: string }) => l.name === 'Shared movies')).toBe(false);
  });
  await friendContext.close();
});
