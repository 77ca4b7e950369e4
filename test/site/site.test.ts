/**
 * `vaekit site`: the explorer of a run as a static folder. The folder holds exactly what the
 * explorer's server sends plus README.txt, is written whole or not at all, refuses to replace
 * what is not an earlier site, and — served by Python's plain static server, with no vaekit
 * server and no cross-origin-isolation headers — loads in Chromium (playwright-core, Debian's
 * chromium) with the page ready and no error. The browser part is skipped, with a message, where
 * /usr/bin/chromium or python3 is absent.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { loadMnist } from '../../src/data/index.js';
import { RUN_FILES } from '../../src/run/run.js';
import { allowList, ORT_FILES } from '../../src/serve/server.js';
import { buildSite, buildStudioSite, SITE_MARK } from '../../src/site/site.js';
import type {} from '../../web/src/hook.js'; // window.__vaekit
import { cli, oneLineError, vaekitIn } from '../cli/helpers.js';
import { tinyRun } from '../serve/helpers.js';
import { CHROMIUM, launchChromium, openPage, STUDIO_404 } from '../web/browser.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const skipBrowser = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run the site's browser test`
  : !hasPython
    ? 'python3 is absent (the static server of this test)'
    : false;
if (skipBrowser) console.log(`skipping the site's browser test: ${skipBrowser}`);

const dir = mkdtempSync(join(tmpdir(), 'vaekit-site-'));
const run = join(dir, 'run');
const site = join(dir, 'site');
const servers: ChildProcess[] = [];
const testData = () => loadMnist('test', { limit: 300 });

before(async () => {
  await tinyRun(run, 'medium-dense', 300, 1);
});
after(() => {
  for (const s of servers) s.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root`, as sorted paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

test('the site holds what the explorer server sends, each file at its URL path, and README.txt', async () => {
  const r = await buildSite(run, site, { data: testData() });
  const files = filesUnder(site);
  // What the server sends, less the data sets (a run's site ships an empty catalog instead).
  const want = [...allowList(run)].filter(([u, f]) => u !== '/' && typeof f === 'string' && !u.startsWith('/data/')).map(([u]) => u.slice(1));
  assert.deepEqual(files, [...want, 'README.txt', 'data/index.json'].sort());
  assert.equal(r.files, files.length);
  for (const f of ORT_FILES) assert.ok(files.includes(`ort/${f}`), f);
  for (const f of [RUN_FILES.encoder, RUN_FILES.decoder, RUN_FILES.manifest, 'explorer.json']) assert.deepEqual(readFileSync(join(site, 'run', f)), readFileSync(join(run, f)), f);
  assert.ok(files.includes('index.html') && files.some((f) => f.startsWith('assets/')));
  const readme = readFileSync(join(site, 'README.txt'), 'utf8');
  assert.ok(readme.startsWith(`${SITE_MARK}: the latent-space explorer of the run medium-dense (1 epoch on mnist`), readme.split('\n')[0]);
  assert.match(readme, /python3 -m http\.server/);
  assert.match(readme, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(readme, /Cross-Origin-Embedder-Policy: require-corp/);
  assert.match(readme, /1 thread/);
  // Nothing left beside it.
  assert.deepEqual(readdirSync(dir).sort(), ['run', 'site']);
});

test('an existing folder is replaced only when it is an earlier site and `overwrite` says so', async () => {
  await assert.rejects(buildSite(run, site), /site: holds an earlier vaekit site; give `overwrite` to replace it$/);
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'notes.txt'), 'mine');
  await assert.rejects(buildSite(run, other, { overwrite: true }), /other: not empty, and not an earlier vaekit site; pick a new or empty folder$/);
  assert.deepEqual(readdirSync(other), ['notes.txt']);
  writeFileSync(join(site, 'stale.txt'), 'from before');
  await buildSite(run, site, { overwrite: true, data: testData() });
  assert.equal(existsSync(join(site, 'stale.txt')), false);
  assert.ok(existsSync(join(site, 'run', 'decoder.onnx')));
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  await buildSite(run, empty, { data: testData() });
  assert.ok(existsSync(join(empty, 'index.html')));
  await assert.rejects(buildSite(join(dir, 'nowhere'), join(dir, 'x')), /nowhere: no such run folder/);
  assert.equal(existsSync(join(dir, 'x')), false);
  assert.deepEqual(
    readdirSync(dir).filter((n) => /\.tmp-|\.old-/.test(n)),
    [],
  );
  rmSync(other, { recursive: true });
  rmSync(empty, { recursive: true });
});

test('vaekit site RUN --out DIR writes the site and says how to publish it', { skip: existsSync(cli) ? false : 'dist/ is not built (npm run build)' }, () => {
  const vaekit = vaekitIn(dir);
  const r = vaekit('site', 'run', '--out', 'cli-site');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /wrote cli-site\/ \(\d+ files, [\d.]+ MB\): put it on any static web host; to try it here: python3 -m http\.server -d cli-site 8000/);
  assert.ok(existsSync(join(dir, 'cli-site', 'run', 'explorer.json')));
  oneLineError(vaekit('site', 'run', '--out', 'cli-site'), /^vaekit: cli-site: holds an earlier vaekit site; give --overwrite to replace it$/);
  assert.equal(vaekit('site', 'run', '--out', 'cli-site', '--overwrite').code, 0);
  rmSync(join(dir, 'cli-site'), { recursive: true });
});

/** Serves `root` with `python3 -m http.server` (no special headers) and resolves to its URL. */
function pythonServer(root: string): Promise<string> {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '-d', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}/`);
    });
    child.on('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${out}`)));
  });
}

test('served by a plain static server, the site loads in Chromium: the page is ready, with no error', { skip: skipBrowser }, async () => {
  const url = await pythonServer(site);
  const browser = await launchChromium();
  try {
    const { page, problems, foreign } = await openPage(browser, url, { viewport: { width: 1200, height: 900 } });
    const ready = await page.evaluate(() => window.__vaekit.ready);
    await page.evaluate(() => window.__vaekit.idle());
    assert.equal(ready.preset, 'medium-dense');
    assert.ok((ready.latentDim ?? 0) >= 2);
    assert.deepEqual(problems, []);
    assert.deepEqual(await page.evaluate(() => window.__vaekit.errors), []);
    assert.deepEqual(foreign, []);
    // Not cross-origin isolated (a plain static host), so onnxruntime-web runs on one thread.
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
  } finally {
    await browser.close();
  }
});

test('vaekit site --studio: the studio from a plain static server trains on its bundled MNIST sample', { skip: skipBrowser, timeout: 300_000 }, async () => {
  const studio = join(dir, 'studio');
  const r = buildStudioSite(studio, { sample: 300 });
  const files = filesUnder(studio);
  assert.equal(r.files, files.length);
  assert.ok(files.includes('data/index.json') && files.includes('data/mnist/train-images-sample.idx.gz'), files.join(' '));
  assert.equal(files.filter((f) => f.startsWith('run/')).length, 0);
  const url = await pythonServer(studio);
  const browser = await launchChromium();
  try {
    const { page, problems } = await openPage(browser, url, { ignoreConsole: STUDIO_404 });
    assert.equal((await page.evaluate(() => window.__vaekit.ready)).mode, 'studio');
    const history = await page.evaluate(() => window.__vaekit.train({ preset: 'medium-dense', data: 'mnist', epochs: 1, limit: 300, batchSize: 100, seed: 1 }));
    assert.equal(history.length, 1);
    assert.ok(Number.isFinite(history[0].loss) && history[0].loss > 0);
    const names = await page.evaluate(async () => Object.keys(await window.__vaekit.exportRun()).sort());
    assert.deepEqual(names, Object.values(RUN_FILES).sort());
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
