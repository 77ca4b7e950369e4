/**
 * The explorer's and studio's server: `node:http`, GET and HEAD only, and an explicit list of
 * the files it will send — the built page (dist/web), onnxruntime-web's runtime files from the
 * installed package, the run folder's files (none in the studio) and the installed data sets.
 * Everything else is a 404: no listing, no path outside those files, whatever the encoding. The
 * page decodes and trains in the browser, so it works with no network at all. Every answer
 * carries the cross-origin-isolation headers (COOP/COEP), which let the page's wasm use threads.
 *
 *   /                         the page (dist/web/index.html), /assets/… its script and style
 *   /ort/ort-wasm-simd-threaded{,.asyncify}.{mjs,wasm}   onnxruntime-web's wasm and WebGPU builds
 *   /run/encoder.onnx, decoder.onnx, manifest.json, explorer.json, checkpoint.bin, log.jsonl
 *   /data/index.json          the data catalog (src/data/catalog.ts), /data/<set>/<IDX file>
 */
import { existsSync, readdirSync, statSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/index.js';
import { readManifest, RUN_FILES } from '../run/run.js';
import { CATALOG_PATH } from '../data/catalog.js';
import { standardCatalog } from './catalog.js';
import { EXPLORER_FILE, prepareExplorerData } from './data.js';

/** URL path under which onnxruntime-web's files are served (the page sets `ort.env.wasm.wasmPaths` to it). */
export const ORT_PATH = '/ort/';

/** The onnxruntime-web files the page loads: the plain wasm build, and the build with WebGPU (asyncify). */
export const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'] as const;

/** What a URL path answers with: a file, or bytes made in memory (the data catalog). */
export type Served = string | { body: string; type: string };

/** Options of {@link startExplorer}. */
export interface ExplorerOptions {
  /** Address to bind (default 127.0.0.1: only this machine can connect). */
  host?: string;
  /** Port (default 8080; 0 picks any free port, see the returned url). */
  port?: number;
  /**
   * The data set for the map, class means and test images (default the run's own test split,
   * computed once into RUN/explorer.json; a data set given here is always recomputed).
   */
  data?: Dataset;
  /** Called with progress lines (e.g. while computing RUN/explorer.json). */
  log?: (line: string) => void;
}

/** A running explorer. */
export interface Explorer {
  /** The page's address, e.g. `http://127.0.0.1:8080/`. */
  url: string;
  host: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** The content type the server sends for a file name. */
export function contentType(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** The folder holding the built page (dist/web), or throws one line saying how to build it. */
export function webRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled: dist/serve → dist/web. From the sources (tsx): src/serve → dist/web.
  for (const dir of [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')]) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error('the explorer page is not built (dist/web/index.html is missing): run npm run build');
}

/** The folder of the installed onnxruntime-web's dist files. */
export function ortRoot(): string {
  const require = createRequire(import.meta.url);
  let wasm: string;
  try {
    wasm = require.resolve(`onnxruntime-web/${ORT_FILES[1]}`);
  } catch {
    throw new Error('onnxruntime-web is not installed (the explorer needs it): npm install onnxruntime-web');
  }
  const dir = dirname(wasm);
  for (const f of ORT_FILES) if (!existsSync(join(dir, f))) throw new Error(`onnxruntime-web is incomplete: ${join(dir, f)} is missing`);
  return dir;
}

/**
 * Every file the server sends, by URL path: the page, ORT, the run's files (none for the studio,
 * `runDir` null) and the installed data sets.
 */
export function allowList(runDir: string | null): Map<string, Served> {
  const files = new Map<string, Served>();
  const web = webRoot();
  const walk = (dir: string, prefix: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile()) files.set(`${prefix}${e.name}`, join(dir, e.name));
    }
  };
  walk(web, '/');
  files.set('/', join(web, 'index.html'));
  const ort = ortRoot();
  for (const f of ORT_FILES) files.set(`${ORT_PATH}${f}`, join(ort, f));
  if (runDir !== null)
    for (const f of [RUN_FILES.encoder, RUN_FILES.decoder, RUN_FILES.manifest, EXPLORER_FILE, RUN_FILES.checkpoint, RUN_FILES.log]) files.set(`/run/${f}`, join(runDir, f));
  const data = standardCatalog();
  files.set(`/${CATALOG_PATH}`, { body: JSON.stringify(data.catalog), type: contentType(CATALOG_PATH) });
  for (const [url, file] of data.files) files.set(`/${url}`, file);
  return files;
}

/**
 * Checks the run folder (one-line errors for a missing folder, a corrupt manifest, a missing or
 * mismatched ONNX file), computes RUN/explorer.json when it is missing or older than the run,
 * and serves the explorer. Nothing listens until all of that has succeeded.
 */
export async function startExplorer(runDir: string, opts: ExplorerOptions = {}): Promise<Explorer> {
  checkPort(opts.port);
  readManifest(runDir);
  const files = allowList(runDir);
  await prepareExplorerData(runDir, opts);
  return listen(files, opts);
}

/**
 * Serves the page with no run: the studio, where a model is trained from scratch in the browser
 * on the installed data sets (or the user's own images) and downloaded as a run.
 */
export async function startStudio(opts: Omit<ExplorerOptions, 'data'> = {}): Promise<Explorer> {
  checkPort(opts.port);
  return listen(allowList(null), opts);
}

function checkPort(port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new RangeError(`port: expected an integer in [0, 65535], got ${String(port)}`);
}

async function listen(files: Map<string, Served>, opts: ExplorerOptions): Promise<Explorer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8080;
  const server = createServer((req, res) => handle(files, allowedHosts(host), req, res));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new Error(`${host}:${port} is already in use: pick another \`port\` (0 for any free port)`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new Error(`\`host\` ${host}: not an address of this machine`));
      else if (e.code === 'EACCES') reject(new Error(`${host}:${port}: permission denied (ports below 1024 need privileges)`));
      else reject(e);
    });
    server.listen(port, host, () => resolve());
  });
  server.on('error', (e) => opts.log?.(`explorer server error: ${e.message}`)); // after startup: report, keep serving
  const addr = server.address() as AddressInfo;
  const shown = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${shown}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * Host names a request may name: the bound address and the loopback names. Refusing others
 * stops a DNS-rebinding page (evil.example resolving to 127.0.0.1) from reading the run's files.
 */
function allowedHosts(host: string): Set<string> {
  return new Set(['localhost', '127.0.0.1', '[::1]', host.includes(':') ? `[${host}]` : host]);
}

/** Answers one request from the allow-list. */
function handle(files: Map<string, Served>, hosts: Set<string>, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // Cross-origin isolation: SharedArrayBuffer, hence ORT's wasm threads. The page loads nothing
  // from other origins, so nothing breaks.
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  if (!hosts.has(hostName) && !(hosts.has('0.0.0.0') || hosts.has('[::]'))) return plain(res, 421, 'misdirected request');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(res, 405, 'method not allowed');
  }
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  // Exact matches only; anything that looks like traversal is refused before the lookup anyway.
  if (!path.startsWith('/') || /\.\.|%2e|%2f|%5c|\\|%00|\0/i.test(path)) return plain(res, 404, 'not found');
  const file = files.get(path);
  if (!file) return plain(res, 404, 'not found');
  if (typeof file !== 'string') {
    res.statusCode = 200;
    res.setHeader('Content-Type', file.type);
    res.setHeader('Content-Length', Buffer.byteLength(file.body));
    res.setHeader('Cache-Control', 'no-cache');
    return void res.end(req.method === 'HEAD' ? undefined : file.body);
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return plain(res, 404, 'not found');
    size = st.size;
  } catch {
    return plain(res, 404, 'not found');
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('Content-Length', size);
  // Hashed page assets never change; everything else is revalidated (a run may be retrained).
  res.setHeader('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text) + 1);
  res.end(`${text}\n`);
}
