/**
 * The explorer's server without a browser: what it sends (the built page, onnxruntime-web's wasm
 * runtime, six run files, the data catalog and its IDX files) with their content types, what it refuses (everything else, however
 * encoded), the data file it computes, and `vaekit serve`'s one-line errors and Ctrl-C.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DataCatalog } from '../../src/data/catalog.js';
import { standardCatalog } from '../../src/serve/catalog.js';
import { EXPLORER_FILE, type ExplorerData } from '../../src/serve/data.js';
import { startExplorer, type Explorer } from '../../src/serve/server.js';
import { raw, root, testImages, tinyRun } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-serve-'));
const run = join(dir, 'md');
const cli = join(root, 'dist/cli/main.js');
let ex: Explorer;

before(async () => {
  await tinyRun(run, 'medium-dense');
  ex = await startExplorer(run, { port: 0, data: testImages() });
});
after(async () => {
  await ex?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('binds 127.0.0.1 by default; port 0 picks a free port and the url says which', () => {
  assert.match(ex.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(ex.host, '127.0.0.1');
  assert.ok(ex.port > 0);
});

test('refuses requests addressed to another host name (DNS rebinding)', async () => {
  const evil = await raw(ex.url, '/run/decoder.onnx', 'GET', { Host: `evil.example:${ex.port}` });
  assert.equal(evil.status, 421);
  const ok = await raw(ex.url, '/run/decoder.onnx', 'GET', { Host: `localhost:${ex.port}` });
  assert.equal(ok.status, 200);
});

test('sends the page, its assets, the ORT wasm runtime and the run files with their content types', async () => {
  const page = await raw(ex.url, '/');
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  const html = page.body.toString();
  assert.doesNotMatch(html, /https?:\/\//, 'the page names no external URL');
  const assets = [...html.matchAll(/(?:src|href)="\.?(\/assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `assets: ${assets.join(', ')}`);
  for (const a of assets) {
    const r = await raw(ex.url, a);
    assert.equal(r.status, 200, a);
    assert.equal(r.headers['content-type'], a.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    // Identifiers, never fetched: XML namespaces, JSON Schema dialects, zod's `http://[${address}]` IPv6 check.
    assert.doesNotMatch(r.body.toString(), /https?:\/\/(?!www\.w3\.org\/|json-schema\.org\/|\[\$\{)/, `${a} names no external URL`);
    // Cross-origin isolation, for the page's wasm threads.
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  }
  assert.equal((await raw(ex.url, '/index.html')).status, 200);

  const ortDir = join(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'), '..');
  const wasm = await raw(ex.url, '/ort/ort-wasm-simd-threaded.wasm');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.equal(wasm.body.length, statSync(join(ortDir, 'ort-wasm-simd-threaded.wasm')).size);
  const mjs = await raw(ex.url, '/ort/ort-wasm-simd-threaded.mjs');
  assert.equal(mjs.status, 200);
  assert.equal(mjs.headers['content-type'], 'text/javascript; charset=utf-8');

  for (const [path, type] of [
    ['/run/encoder.onnx', 'application/octet-stream'],
    ['/run/decoder.onnx', 'application/octet-stream'],
    ['/run/manifest.json', 'application/json; charset=utf-8'],
    ['/run/explorer.json', 'application/json; charset=utf-8'],
    // The checkpoint and log: the page's Train panel continues the run from them.
    ['/run/checkpoint.bin', 'application/octet-stream'],
    ['/run/log.jsonl', 'application/octet-stream'],
  ]) {
    const r = await raw(ex.url, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers['content-type'], type, path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(r.body, readFileSync(join(run, path.slice(5))), path);
  }
  // The data catalog of the Train panel: the installed MNIST as the IDX files it ships.
  const catalog = await raw(ex.url, '/data/index.json');
  assert.equal(catalog.headers['content-type'], 'application/json; charset=utf-8');
  const mnist = (JSON.parse(catalog.body.toString()) as DataCatalog).datasets.find((d) => d.name === 'mnist')!;
  assert.deepEqual(mnist.train, { images: 'data/mnist/train-images-idx3-ubyte', labels: 'data/mnist/train-labels-idx1-ubyte' });
  const labels = await raw(ex.url, `/${mnist.test.labels}`);
  assert.equal(labels.status, 200);
  assert.deepEqual(labels.body, readFileSync(standardCatalog().files.get(mnist.test.labels)!));
});

test('everything else is a 404: no listing, no run file outside the six, no traversal however encoded', async () => {
  const refused = [
    '/run/',
    '/run',
    '/assets/',
    '/ort/',
    '/run/model.bin',
    '/data/',
    '/data/mnist/',
    '/ort/ort.min.mjs',
    '/ort/ort-wasm-simd-threaded.jsep.wasm',
    '/package.json',
    '/src/serve/server.ts',
    '/node_modules/onnxruntime-web/package.json',
    '/../package.json',
    '/../../../../etc/passwd',
    '/%2e%2e/package.json',
    '/%2E%2E/%2E%2E/package.json',
    '/assets/..%2f..%2f..%2fpackage.json',
    '/run/%2e%2e/%2e%2e/package.json',
    '/run/..%2fcheckpoint.bin',
    '/run/manifest.json/..',
    '/run/./checkpoint.bin',
    '/..%5c..%5cpackage.json',
    '//etc/passwd',
    '/run/manifest.json%00',
    '/run/manifest.json/',
    '/RUN/MANIFEST.JSON',
  ];
  for (const path of refused) {
    const r = await raw(ex.url, path);
    assert.equal(r.status, 404, `${path} → ${r.status}`);
    assert.equal(r.body.toString(), 'not found\n', path);
  }
  // Request targets that are not paths: Node's parser answers 400 before the handler runs.
  for (const path of ['run/manifest.json', '../package.json']) assert.equal((await raw(ex.url, path)).status, 400, path);
  // A query string does not change which file is sent.
  assert.equal((await raw(ex.url, '/run/manifest.json?x=../../package.json')).status, 200);
});

test('HEAD sends the headers without a body; other methods get 405', async () => {
  const h = await raw(ex.url, '/run/decoder.onnx', 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(Number(h.headers['content-length']), statSync(join(run, 'decoder.onnx')).size);
  assert.equal(h.body.length, 0);
  for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await raw(ex.url, '/run/manifest.json', m);
    assert.equal(r.status, 405, m);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
});

test('explorer.json is small, holds the map, sliders, class means and test images, and is recomputed only when the run changes', async () => {
  const path = join(run, EXPLORER_FILE);
  const size = statSync(path).size;
  assert.ok(size < 400_000, `${size} bytes`);
  const d = JSON.parse(readFileSync(path, 'utf8')) as ExplorerData;
  assert.equal(d.format, 'vaekit-explorer');
  assert.equal(d.dataFrom, 'option');
  assert.equal(d.latentDim, 2);
  assert.equal(d.map.method, 'identity');
  assert.equal(d.map.points.length, 2000);
  assert.equal(d.map.labels?.length, 1000);
  assert.equal(d.sliders.kind, 'axes');
  assert.equal(d.sliders.directions.length, 2);
  assert.equal(d.classMeans?.means.length, 10);
  assert.equal(
    d.classMeans?.counts.reduce((a, b) => a + b, 0),
    1000,
  );
  assert.equal(d.images.count, 100);
  assert.equal(Buffer.from(d.images.data, 'base64').length, 100 * 784);
  assert.deepEqual(new Set(d.images.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));

  // Computed from other data than the run's: a plain start recomputes it from the run's own test split.
  const second = await startExplorer(run, { port: 0 });
  await second.close();
  const d2 = JSON.parse(readFileSync(path, 'utf8')) as ExplorerData;
  assert.equal(d2.dataFrom, 'run');
  assert.equal(d2.dataset, 'mnist/test');
  assert.equal(
    d2.classMeans?.counts.reduce((a, b) => a + b, 0),
    10000,
  );
  // Fresh: the next start leaves it alone.
  const t = statSync(path).mtimeMs;
  const third = await startExplorer(run, { port: 0 });
  await third.close();
  assert.equal(statSync(path).mtimeMs, t);
  // Older than the checkpoint (the run was trained further): recomputed.
  const earlier = new Date(Date.now() - 3600_000);
  utimesSync(path, earlier, earlier);
  const fourth = await startExplorer(run, { port: 0 });
  await fourth.close();
  assert.ok(statSync(path).mtimeMs > earlier.getTime());
});

/** `vaekit …` as a user runs it. */
function vaekit(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function oneLineError(r: { code: number | null; out: string; err: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.out, /http:\/\//, 'nothing was served');
}

test('a missing run folder or a corrupt manifest: one line and a non-zero exit before listening', async () => {
  await assert.rejects(startExplorer(join(dir, 'nowhere'), { port: 0 }), /nowhere: no such run folder/);
  oneLineError(vaekit('serve', join(dir, 'nowhere'), '--port', '0'), /^vaekit: .*nowhere: no such run folder$/);

  const broken = join(dir, 'broken');
  cpSync(run, broken, { recursive: true });
  writeFileSync(join(broken, 'manifest.json'), '{"format": "vaekit-run", "latentDim": ');
  await assert.rejects(startExplorer(broken, { port: 0 }), /manifest\.json: corrupt JSON/);
  oneLineError(vaekit('serve', broken, '--port', '0'), /^vaekit: .*manifest\.json: corrupt JSON/);

  const noDecoder = join(dir, 'no-decoder');
  cpSync(run, noDecoder, { recursive: true });
  rmSync(join(noDecoder, 'decoder.onnx'));
  oneLineError(vaekit('serve', noDecoder, '--port', '0'), /^vaekit: .*decoder\.onnx: missing$/);

  oneLineError(vaekit('serve', run, '--port', String(ex.port)), new RegExp(`^vaekit: 127\\.0\\.0\\.1:${ex.port} is already in use`));
  oneLineError(vaekit('serve', run, '--port', '70000'), /--port expects an integer in \[0, 65535\], got '70000'/);
});

test('library errors name the parameter (port, host), not a CLI flag', async () => {
  const taken = startExplorer(run, { port: ex.port });
  await assert.rejects(taken, { message: `127.0.0.1:${ex.port} is already in use: pick another \`port\` (0 for any free port)` });
  await assert.rejects(startExplorer(run, { port: 70000 }), { name: 'RangeError', message: 'port: expected an integer in [0, 65535], got 70000' });
  await assert.rejects(startExplorer(run, { port: 0, host: '203.0.113.7' }), { message: '`host` 203.0.113.7: not an address of this machine' });
});

test('vaekit serve prints the URL, serves, and stops cleanly on Ctrl-C', async () => {
  const child = spawn(process.execPath, [cli, 'serve', run, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 20 s; stdout: ${out}; stderr: ${err}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c;
      const m = /vaekit explorer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited (${code}) before printing a URL: ${err}`)));
  });
  const r = await raw(url, '/run/manifest.json');
  assert.equal(r.status, 200);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  assert.equal(err, '');
  await assert.rejects(raw(url, '/'), /ECONNREFUSED/);
});

test('vaekit --help lists serve, and serve --help its flags', () => {
  assert.match(vaekit('--help').out, /\bserve\b/);
  const h = vaekit('serve', '--help');
  assert.equal(h.code, 0);
  for (const flag of ['--port <n>', '--host <address>', '--data <source>']) assert.ok(h.out.includes(flag), flag);
  assert.ok(existsSync(join(root, 'dist/web/index.html')), 'npm run build builds the page');
});
