import { expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';

/**
 * The server's first user (its administrator), registered by the `setup` project
 * (tests/setup/admin.setup.ts) before any other file, and by 01-first-run.spec.ts on its own
 * fresh server.
 */
export const ADMIN = {
  username: 'e2eadmin',
  password: 'correct horse battery 1',
} as const;

/** Password used for every other test user. */
export const PASSWORD = 'correct horse battery 2';

let counter = 0;

/**
 * A username nobody else on the shared server has: lowercase letters and
 * digits only, at most 20 characters.
 */
export function uniqueUsername(prefix: string): string {
  counter += 1;
  const stamp = Date.now().toString(36);
  const salt = Math.floor(Math.random() * 36 * 36).toString(36);
  return `${prefix.slice(0, 6)}${stamp}${counter.toString(36)}${salt}`.toLowerCase().slice(0, 20);
}

/** Matches an absolute URL whose path is exactly `pathname` (any query/hash). */
export function atPath(pathname: string): RegExp {
  const escaped = pathname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[a-z]+://[^/]+${escaped}(?:[?#].*)?$`);
}

export interface Opts {
  /** Whether the page runs JavaScript (and hydrates). Default true. */
  js?: boolean;
}

/**
 * Waits until the WASM bundle has hydrated the current page (the app sets
 * `window.__ott_hydrated = true`), or returns once the page has loaded if the
 * server sent it without the app (a visitor's pages say so in
 * `<meta name="ott-app" content="none">`). Call it only after the URL of the new
 * page has been asserted, so it cannot see the previous document's flag.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (window as any).__ott_hydrated === true ||
      (document.readyState !== 'loading' &&
        document.querySelector('meta[name="ott-app"][content="none"]') !== null),
    undefined,
    { timeout: 60_000 },
  );
}

/** After a navigation: waits for hydration when JavaScript is on. */
export async function settle(page: Page, opts: Opts = {}): Promise<void> {
  if (opts.js ?? true) await waitForHydration(page);
}

/** Opens `path` and (with JavaScript) waits for hydration. */
export async function open(page: Page, path: string, opts: Opts = {}) {
  const response = await page.goto(path);
  await settle(page, opts);
  return response;
}

export function h1(page: Page, name: string): Locator {
  return page.getByRole('heading', { level: 1, name, exact: true });
}

/** The visible `role="alert"` element carrying `text`. */
export function alertWith(page: Page, text: string): Locator {
  return page.getByRole('alert').filter({ hasText: text });
}

/** The visible `role="status"` element carrying `text`. */
export function statusWith(page: Page, text: string): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

export function mainNav(page: Page): Locator {
  return page.locator('header').getByRole('navigation', { name: 'Main' });
}

export function navLink(page: Page, name: string): Locator {
  return mainNav(page).getByRole('link', { name, exact: true });
}

/** Opens /register and submits the form. The caller asserts the outcome. */
export async function register(
  page: Page,
  username: string,
  password: string,
  opts: Opts = {},
): Promise<void> {
  await open(page, '/register', opts);
  await expect(h1(page, 'Create your account')).toBeVisible();
  await fillAndSubmitRegister(page, username, password);
}

/** Fills the register form already on screen and submits it. */
export async function fillAndSubmitRegister(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
}

/** Opens /login and submits the form. The caller asserts the outcome. */
export async function login(
  page: Page,
  username: string,
  password: string,
  opts: Opts = {},
): Promise<void> {
  await open(page, '/login', opts);
  await fillAndSubmitLogin(page, username, password);
}

/** Fills the login form already on screen and submits it. */
export async function fillAndSubmitLogin(page: Page, username: string, password: string) {
  await expect(h1(page, 'Log in')).toBeVisible();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
}

/** Clicks "Log out" in the header and checks we end up on /login. */
export async function logout(page: Page, opts: Opts = {}): Promise<void> {
  await page.locator('header').getByRole('button', { name: 'Log out', exact: true }).click();
  await expect(page).toHaveURL(atPath('/login'));
  await expect(h1(page, 'Log in')).toBeVisible();
  await settle(page, opts);
}

/** On /setup: checks the defaults, names the library and submits. Ends on /upload. */
export async function createLibrary(page: Page, name: string, opts: Opts = {}): Promise<void> {
  await expect(page).toHaveURL(atPath('/setup'));
  await expect(h1(page, 'Create your library')).toBeVisible();
  await settle(page, opts);
  const libraryName = page.getByLabel('Library name');
  await expect(libraryName).toHaveValue('Movies');
  // Only the administrator chooses a folder; everyone else is told where the movies go.
  const folder = page.getByLabel('Folder on the server');
  const kept = page.getByText('Your movies will be kept in');
  await expect(folder.or(kept)).toBeVisible();
  if (await folder.count()) await expect(folder).toHaveValue('');
  await libraryName.fill(name);
  await page.getByRole('button', { name: 'Create library', exact: true }).click();
  await expect(page).toHaveURL(atPath('/upload'));
  await expect(h1(page, 'Upload movies')).toBeVisible();
  await expect(page.getByText(`Library: ${name}`)).toBeVisible();
  await settle(page, opts);
}

/**
 * Logs in as ADMIN (registering ADMIN first if this server has never seen it,
 * e.g. when this file runs on its own) and opens /admin.
 */
export async function loginAsAdmin(page: Page): Promise<void> {
  await login(page, ADMIN.username, ADMIN.password);
  const wrong = alertWith(page, 'Wrong username or password.');
  const landed = page.getByRole('heading', { level: 1 }).filter({ hasNotText: /^\s*Log in\s*$/ });
  await expect(wrong.or(landed).first()).toBeVisible();
  if (await wrong.isVisible()) {
    await register(page, ADMIN.username, ADMIN.password);
    await expect(page).toHaveURL(atPath('/setup'));
  }
  await open(page, '/admin');
  await expect(
    h1(page, 'Server settings'),
    `${ADMIN.username} must be the server's first (admin) user; the setup project registers it first`,
  ).toBeVisible();
  await expect(navLink(page, 'Admin')).toBeVisible();
}

/**
 * Opens registration as the administrator, in a page of its own: a new server closes it after
 * its first account, and files that register their own users must also run alone.
 */
export async function openRegistration(browser: Browser): Promise<void> {
  const context = await browser.newContext();
  const admin = await context.newPage();
  await loginAsAdmin(admin);
  await setRegistrationOpen(admin, true);
  await context.close();
}

/** On /admin: sets "Allow new people to register" and saves. */
export async function setRegistrationOpen(page: Page, allow: boolean): Promise<void> {
  await open(page, '/admin');
  await expect(h1(page, 'Server settings')).toBeVisible();
  const checkbox = page.getByRole('checkbox', { name: 'Allow new people to register' });
  await checkbox.setChecked(allow);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(statusWith(page, 'Saved.')).toBeVisible();
}

/**
 * Uploads `bytes` as `filename` through the resumable protocol, filed under `imdbId`; returns
 * the end step's answer (`movieFileId`, `path`).
 */
export async function uploadFile(
  api: APIRequestContext,
  filename: string,
  bytes: Buffer,
  imdbId: string,
  mode: 'new' | 'version' = 'new',
): Promise<{ movieFileId: number; path: string }> {
  const init = await api.post(
    `/api/upload?type=init&filename=${encodeURIComponent(filename)}&size=${bytes.length}&lastModified=1700000000000`,
  );
  expect(init.status(), await init.text()).toBe(200);
  const { uploadId } = await init.json();
  const chunk = await api.post(`/api/upload?type=chunk&uploadId=${uploadId}&chunkNr=1&offset=0`, {
    data: bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(chunk.status(), await chunk.text()).toBe(200);
  const end = await api.post(`/api/upload?type=end&uploadId=${uploadId}&imdbId=${imdbId}&mode=${mode}`);
  expect(end.status(), await end.text()).toBe(200);
  return end.json();
}

/** The stand-in IMDb's address (as playwright.config.ts computes it). */
export function metadataURL(): string {
  const port = Number(process.env.OTT_E2E_PORT || 3900);
  return `http://127.0.0.1:${Number(process.env.OTT_E2E_METADATA_PORT || port + 1)}`;
}

/** Switches the stand-in IMDb off (it drops every connection) or back on. */
export async function setMovieDatabaseReachable(request: APIRequestContext, reachable: boolean) {
  const answer = await request.post(`${metadataURL()}/${reachable ? '__online' : '__offline'}`);
  expect(answer.ok()).toBeTruthy();
}
