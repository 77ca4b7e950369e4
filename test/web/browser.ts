/**
 * Shared by the browser tests: Debian's Chromium through playwright-core, and a page opened so
 * that no other origin is reachable (the page must work offline), with its errors collected.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type {} from '../../web/src/hook.js'; // window.__vaekit

export const CHROMIUM = '/usr/bin/chromium';

/** False where Chromium is installed, else why `what` is skipped (also printed once). */
export function chromiumSkip(what: string): string | false {
  if (existsSync(CHROMIUM)) return false;
  const why = `${CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run ${what}`;
  console.log(`skipping ${what}: ${why}`);
  return why;
}

/**
 * Headless Chromium with this machine's flags (its closed network refuses background traffic).
 * `webgpu`: with an adapter (SwiftShader without a GPU), which needs the GPU process.
 */
export function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  const gpu = opts.webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu'];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', ...gpu, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A page opened on `url`: requests to other origins are refused and recorded in `foreign` (for the page's whole life); page errors and console errors land in `problems`. */
export async function openPage(
  browser: Browser,
  url: string,
  opts: { viewport?: { width: number; height: number }; ignoreConsole?: RegExp; foreign?: string[] } = {},
): Promise<{ page: Page; problems: string[]; foreign: string[] }> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  const origin = new URL(url).origin;
  const foreign = opts.foreign ?? [];
  await context.route('**/*', (route) => {
    if (new URL(route.request().url()).origin === origin) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !opts.ignoreConsole?.test(m.text())) problems.push(m.text());
  });
  await page.goto(url);
  return { page, problems, foreign };
}

/** The studio asks for run/manifest.json to learn it has no run: that one 404 is expected. */
export const STUDIO_404 = /404/;
