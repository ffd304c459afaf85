import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Environment read by this config:
//   OTT_BIN        server binary (default: ../target/debug/ott, resolved from end2end/)
//   OTT_E2E_PORT   port the server listens on (default: 3900)
//   OTT_E2E_METADATA_PORT  port of the stand-in IMDb, fixtures/metadata-server.mjs
//                  (default: the server's port + 1)
//   (the server's port + 2 is a second, fresh server for 01-first-run.spec.ts)
//   CI             when set, a stray `test.only` fails the run
//
// The server must run from the repository root: it serves `target/site`
// relative to its working directory.

const repoRoot = path.resolve(__dirname, '..');
const port = Number(process.env.OTT_E2E_PORT || 3900);
const baseURL = `http://127.0.0.1:${port}`;
const metadataPort = Number(process.env.OTT_E2E_METADATA_PORT || port + 1);
// A second server, fresh for 01-first-run.spec.ts: what a brand-new server shows.
const freshPort = port + 2;
const freshURL = `http://127.0.0.1:${freshPort}`;
const metadataURL = `http://127.0.0.1:${metadataPort}`;
const bin = process.env.OTT_BIN
  ? path.resolve(process.env.OTT_BIN)
  : path.resolve(__dirname, '../target/debug/ott');

// Playwright evaluates this file in the runner *and* in every worker process.
// Create the fresh data directory only once (in the runner) and hand it to the
// workers through an internal variable, so no stray empty directories pile up.
const DATA_DIR_VAR = '__OTT_E2E_DATA_DIR';
let dataDir = process.env[DATA_DIR_VAR];
if (!dataDir) {
  const created = fs.mkdtempSync(path.join(os.tmpdir(), 'ott-e2e-'));
  dataDir = created;
  fs.mkdirSync(path.join(created, 'fresh'));
  // IMDb is the local stand-in; TMDB and OMDb are off (no keys). Every browser registers
  // from 127.0.0.1, and the suite makes a few dozen accounts: raise the per-address limit.
  fs.writeFileSync(
    path.join(created, 'ott.toml'),
    `imdb_suggest_url = "${metadataURL}"\nimdb_url = "${metadataURL}"\nmetadata_providers = ["imdb"]\n` +
      `registrations_per_ip_per_hour = 1000\n`,
  );
  process.env[DATA_DIR_VAR] = created;
  // The runner exits after the web server has been stopped.
  process.on('exit', () => {
    try {
      fs.rmSync(created, { recursive: true, force: true });
    } catch {
      // best effort
    }
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// Debian's Chromium; Playwright never downloads a browser here. These flags
// keep it from touching the (closed) network and let it run as root.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** `ott serve` on `serverPort` with its data in `dir` (the shared config file of the run). */
const ottServer = (serverPort: number, dir: string) => ({
  command: `${shellQuote(bin)} serve --addr 127.0.0.1:${serverPort} --data-dir ${shellQuote(dir)} --config ${shellQuote(path.join(dataDir!, 'ott.toml'))}`,
  url: `http://127.0.0.1:${serverPort}/healthz`,
  cwd: repoRoot,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: 'pipe' as const,
  stderr: 'pipe' as const,
  gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
});

export default defineConfig({
  testDir: './tests',
  outputDir: 'test-results',
  // One shared server: run the files one after another. Each file can also run alone and in
  // any order: the `setup` project makes ADMIN the first account and opens registration, and
  // 01-first-run has a fresh server of its own.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  // Debug builds of the WASM bundle can take a while to compile and hydrate.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    navigationTimeout: 30_000,
    actionTimeout: 15_000,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs,
    },
  },
  projects: [
    { name: 'setup', testMatch: /\.setup\.ts$/ },
    { name: 'first-run', testMatch: /01-first-run\.spec\.ts$/, use: { baseURL: freshURL } },
    {
      name: 'chromium',
      testIgnore: [/01-first-run\.spec\.ts$/, /\.setup\.ts$/],
      dependencies: ['setup'],
    },
  ],
  webServer: [
    {
      command: `node fixtures/metadata-server.mjs ${metadataPort}`,
      url: `${metadataURL}/healthz`,
      cwd: __dirname,
      reuseExistingServer: false,
      timeout: 10_000,
    },
    ottServer(port, dataDir),
    ottServer(freshPort, path.join(dataDir, 'fresh')),
  ],
});
