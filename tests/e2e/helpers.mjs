// Shared helpers for Kiln's browser E2E tests (run with `node --test tests/e2e/`, which
// `cargo xtask test` does after a release Trunk build and a debug kiln-server build).
//
// Each test file gets its own kiln-server (free loopback port, fresh temporary data dir,
// serving dist/) and its own headless Chromium. The usual shape of a test file:
//
//   import { test } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { useKiln, screenshot } from './helpers.mjs';
//
//   const kiln = useKiln();                 // starts server + browser before, stops them after
//
//   test('submit page renders', async () => {
//     const page = await kiln.newPage();    // 1280x800; kiln.newPage(PHONE) for a phone
//     await page.goto(kiln.url('/submit'));
//     await page.getByRole('banner').waitFor();
//     await screenshot(page, 'submit');     // -> target/e2e-screenshots/submit.png
//   });
//
// Environment (set by `cargo xtask test`; the defaults suit a run from the repository root):
//   KILN_SERVER_BIN  the kiln-server binary   (default: target/debug/kiln-server)
//   KILN_UI_DIR      the built console         (default: dist)
//   KILN_CHROMIUM    the browser               (default: /usr/bin/chromium)

import { after, before } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Desktop viewport, the default for new pages and screenshots. */
export const DESKTOP = Object.freeze({ width: 1280, height: 800 });
/** Phone viewport (an iPhone-sized portrait screen). */
export const PHONE = Object.freeze({ width: 390, height: 844 });

/** Where screenshots go; `.gitignore` keeps them (and all of target/) out of git. */
export const SCREENSHOT_DIR = join(ROOT, 'target', 'e2e-screenshots');

/** The header's health indicator once its check has ended (src/api/health.rs): not
 *  "unknown" (nothing heard yet) and not "heard" (some surfaces known, the rest to come). */
export const HEALTH_CHECKED = '.health:not([data-health="unknown"]):not([data-health="heard"])';

const LOG_DIR = join(ROOT, 'target', 'e2e-logs');

const SERVER_BIN = resolve(ROOT, process.env.KILN_SERVER_BIN ?? 'target/debug/kiln-server');
const UI_DIR = resolve(ROOT, process.env.KILN_UI_DIR ?? 'dist');
const CHROMIUM = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium flags for root in a sandbox with a closed network (see toolchain.md). */
export const CHROMIUM_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

const HEALTH_DEADLINE_MS = 60_000;

/** A loopback port that is free right now. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

const running = new Set();
/** How many servers this process has started (KILN_E2E_PORT gives each its own port). */
let startedServers = 0;
// Last resort: never leave a server behind, even when a test file crashes.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts kiln-server on a free loopback port with a fresh temporary data dir, serving the
 * built console, and waits until GET /api/v1/health answers 200.
 *
 * @param {object} [options]
 * @param {string} [options.pipeline]  a pipeline file (`--pipeline`); default: the embedded demo
 * @param {string} [options.uiDir]     the built console (`--ui-dir`); default: KILN_UI_DIR or dist
 * @param {string[]} [options.args]    more server flags, e.g. ['--workers', '1']
 * @param {string} [options.label]     names the log file target/e2e-logs/<label>-<port>.log
 * @param {number} [options.port]      a fixed loopback port (for a machine where ports are shared out);
 *                                     default: with KILN_E2E_PORT=N, N for the first server of the run, N+1 for the
 *                                     next and so on; else a free one
 * @returns {Promise<{url: string, port: number, dataDir: string, log: string, stop: () => Promise<void>}>}
 *   `url` has no trailing slash; always `await server.stop()` (useKiln does it for you).
 */
export async function startServer({ pipeline, uiDir = UI_DIR, args = [], label = 'kiln-server', port: fixedPort } = {}) {
  if (!existsSync(SERVER_BIN)) {
    throw new Error(`no kiln-server binary at ${SERVER_BIN}: run \`cargo build -p kiln-server\` (cargo xtask test does)`);
  }
  if (!existsSync(join(uiDir, 'index.html'))) {
    throw new Error(`no built console in ${uiDir}: run \`trunk build --release\` (cargo xtask test does)`);
  }
  const port = fixedPort ?? (process.env.KILN_E2E_PORT ? Number(process.env.KILN_E2E_PORT) + startedServers : await freePort());
  startedServers += 1;
  const dataDir = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
  mkdirSync(LOG_DIR, { recursive: true });
  const log = join(LOG_DIR, `${label}-${port}.log`);
  const logFd = openSync(log, 'w');
  const serverArgs = ['--addr', `127.0.0.1:${port}`, '--data-dir', dataDir, '--ui-dir', uiDir];
  if (pipeline) serverArgs.push('--pipeline', resolve(ROOT, pipeline));
  serverArgs.push(...args);
  const child = spawn(SERVER_BIN, serverArgs, { cwd: ROOT, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  running.add(child);
  const exited = new Promise((resolveExit) => {
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolveExit({ code, signal });
    });
  });

  const url = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, exited);
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n---- ${log} ----\n${tail(log)}`);
  }
  return { url, port, dataDir, log, stop };
}

async function waitForHealth(url, exited) {
  let exit = null;
  exited.then((e) => { exit = e; });
  const deadline = Date.now() + HEALTH_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (exit) throw new Error(`kiln-server exited before it became healthy (${JSON.stringify(exit)})`);
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`kiln-server did not answer ${url}/api/v1/health within ${HEALTH_DEADLINE_MS / 1000}s`);
}

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Launches headless Chromium (the Debian package; Playwright downloads no browser here). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS] });
}

/** A new page in its own browser context with the given viewport (default DESKTOP). */
export async function newPage(browser, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport: { ...viewport } });
  return context.newPage();
}

/**
 * Collects uncaught page exceptions and console errors from now on; assert the array is
 * empty at the end of a test. Each entry is a string.
 */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  return errors;
}

/** Saves a screenshot of the viewport to target/e2e-screenshots/<name>.png; returns the path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Saves a phone-sized screenshot to target/e2e-screenshots/<name>-phone.png, then restores
 * the page's viewport; returns the path.
 */
export async function screenshotPhone(page, name) {
  const previous = page.viewportSize();
  await page.setViewportSize({ ...PHONE });
  // Let layout settle after the resize before capturing.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const path = await screenshot(page, `${name}-phone`);
  if (previous) await page.setViewportSize(previous);
  return path;
}

/**
 * Screenshots the page in the light and the dark theme (what the system says; the console
 * follows it) at 1280x800 and 390x844, to <name>-<theme>[-phone].png, then puts the
 * viewport and the light theme back. `scrollTo`, when given, is scrolled into view at each
 * size (the layout moves it).
 */
export async function screenshotThemes(page, name, scrollTo) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const previous = page.viewportSize();
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [suffix, viewport] of [['', DESKTOP], ['-phone', PHONE]]) {
      await page.setViewportSize({ ...viewport });
      if (scrollTo) await scrollTo.scrollIntoViewIfNeeded();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${scheme}${suffix}.png`) });
    }
  }
  if (previous) await page.setViewportSize(previous);
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * Registers node:test `before`/`after` hooks for the current file: one kiln-server and one
 * browser shared by the file's tests, always stopped at the end. Returns a handle whose
 * fields are filled in once `before` has run.
 *
 * @param {Parameters<typeof startServer>[0]} [serverOptions]
 */
export function useKiln(serverOptions = {}) {
  const kiln = {
    /** @type {Awaited<ReturnType<typeof startServer>> | null} */
    server: null,
    /** @type {import('playwright-core').Browser | null} */
    browser: null,
    /** Absolute URL of a console or API path on this file's server. */
    url(path = '/') {
      if (!kiln.server) throw new Error('useKiln: the server is not started yet (use it inside a test)');
      return new URL(path, `${kiln.server.url}/`).href;
    },
    /** The RID of a dataset, by its name, from this server's catalog. */
    async datasetRid(name) {
      const res = await fetch(kiln.url(`/api/v1/catalog/datasets?q=${encodeURIComponent(name)}&limit=50`));
      if (!res.ok) throw new Error(`the catalog answered ${res.status}`);
      const { datasets } = await res.json();
      const found = datasets.find((d) => d.name === name);
      if (!found) throw new Error(`the server has no dataset named ${name}`);
      return found.rid;
    },
    /** A new page (own context) at the given viewport, DESKTOP by default. */
    newPage(viewport = DESKTOP) {
      if (!kiln.browser) throw new Error('useKiln: the browser is not started yet (use it inside a test)');
      return newPage(kiln.browser, viewport);
    },
  };
  before(async () => {
    kiln.server = await startServer(serverOptions);
    kiln.browser = await launchBrowser();
  });
  after(async () => {
    await kiln.browser?.close().catch(() => {});
    await kiln.server?.stop();
  });
  return kiln;
}
