/**
 * The step bench's pieces on the Node side: a small static server that makes the page
 * cross-origin isolated (so onnxruntime-web may use wasm threads), and Debian's Chromium launched
 * with the flags this machine needs — WebGPU included, which here is SwiftShader (a CPU Vulkan).
 *
 * Routes: / (index.html), /page.mjs, /ort/<file> (onnxruntime-web/dist, from node_modules, so
 * nothing comes from the network), /steps/<preset>/model.onnx and /steps/<preset>/feeds.bin
 * (recorded step cases, see steps.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { encodeFeeds, type StepCase } from './steps.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ORT_DIST = join(HERE, '../../node_modules/onnxruntime-web/dist');

/** Debian's Chromium (apt-get install chromium); the page bench and the WebGPU test need it. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headers every response carries. COOP + COEP make the page `crossOriginIsolated`, which
 * SharedArrayBuffer — hence ORT's wasm threads — requires; CORP lets the page's own
 * subresources load under COEP.
 */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** A running step-bench server. */
export interface StepServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the bench page and `cases` (under their `id`, else their preset) on 127.0.0.1 (a free port). */
export async function startStepServer(cases: readonly StepCase[]): Promise<StepServer> {
  const blobs = new Map<string, Uint8Array>();
  for (const c of cases) {
    const id = c.id ?? c.preset;
    blobs.set(`/steps/${id}/model.onnx`, c.graph);
    blobs.set(`/steps/${id}/feeds.bin`, encodeFeeds(c.feeds));
  }
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, type: string, body: Uint8Array | string) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...ISOLATION_HEADERS });
      res.end(body);
    };
    const blob = blobs.get(path);
    if (blob) return send(200, 'application/octet-stream', blob);
    let file: string | undefined;
    if (path === '/' || path === '/index.html') file = join(HERE, 'index.html');
    else if (path === '/page.mjs') file = join(HERE, 'page.mjs');
    else if (path.startsWith('/ort/')) {
      const rel = normalize(path.slice('/ort/'.length));
      if (!rel.startsWith('..') && !rel.includes('/')) file = join(ORT_DIST, rel);
    }
    if (!file || !existsSync(file)) return send(404, 'text/plain', `not found: ${path}`);
    send(200, TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** Flags every launch here needs: no sandbox (containers), nothing phoning home. */
const BASE_FLAGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * Flags that give the page a WebGPU adapter on this machine (no GPU): headless Chromium 156
 * answers `requestAdapter()` with null ("No available adapters.") until `--enable-unsafe-webgpu`,
 * which then offers SwiftShader (vendor google, architecture swiftshader, a fallback adapter).
 * `--enable-unsafe-swiftshader` and `--use-webgpu-adapter=swiftshader` make that choice explicit
 * (and keep it on a machine that also has a GPU). No `--disable-gpu`: it would drop WebGPU too.
 */
export const WEBGPU_FLAGS: readonly string[] = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--use-webgpu-adapter=swiftshader'];

/** Launches Debian's Chromium for the step bench; `webgpu` adds {@link WEBGPU_FLAGS}. */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...BASE_FLAGS, ...(opts.webgpu ? WEBGPU_FLAGS : ['--disable-gpu'])] });
}

/** The WebGPU adapter a page sees: its info and the limit that ORT's native WebGPU EP runs into. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  isFallbackAdapter: boolean;
  maxStorageBuffersPerShaderStage: number;
  maxStorageBufferBindingSize: number;
}

/** What `navigator.gpu.requestAdapter()` gives in a fresh page of `browser` at `url` (null: no adapter). */
export async function webgpuAdapter(browser: Browser, url: string): Promise<AdapterInfo | null> {
  const page = await browser.newPage();
  try {
    await page.goto(url);
    return await page.evaluate(async () => {
      interface Adapter {
        info: { vendor: string; architecture: string; isFallbackAdapter?: boolean };
        limits: { maxStorageBuffersPerShaderStage: number; maxStorageBufferBindingSize: number };
      }
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
      const a = gpu ? await gpu.requestAdapter() : null;
      return a
        ? {
            vendor: a.info.vendor,
            architecture: a.info.architecture,
            isFallbackAdapter: a.info.isFallbackAdapter ?? false,
            maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage,
            maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
          }
        : null;
    });
  } finally {
    await page.close();
  }
}

/** Reads back a float32 array the page sent as base64. */
export function fromBase64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** What page.mjs's `stepBench` takes (see there). */
export interface PageRunOptions {
  /** A file of onnxruntime-web/dist: ort.wasm.min.mjs (wasm), ort.webgpu.min.mjs (native WebGPU EP), ort.min.mjs (JSEP WebGPU). */
  build: string;
  ep: 'wasm' | 'webgpu';
  threads?: number;
  /** The served case: its `id`, else its preset. */
  preset: string;
  warmup?: number;
  timed?: number;
  /** ORT logs at verbose level (slow: for node placements only, not for timing). */
  verbose?: boolean;
  /** Send back the first run's outputs. */
  outputs?: boolean;
}

/** What a page run gives back. */
export interface PageRunResult {
  createMs: number;
  ms: number[];
  outputNames: string[];
  crossOriginIsolated: boolean;
  wasmThreads: number;
  outputs?: Record<string, Float32Array>;
  /** Console lines the page printed (ORT's log among them). */
  console: string[];
}

/** A failed page run: ORT's message, and what the page printed before (ORT's log among it). */
export class PageRunError extends Error {
  constructor(
    message: string,
    readonly console: string[],
  ) {
    super(message);
    this.name = 'PageRunError';
  }
}

/** Opens a fresh page (one ORT configuration per page) and runs `stepBench` in it. */
export async function runInPage(browser: Browser, url: string, opts: PageRunOptions, timeoutMs = 300_000): Promise<PageRunResult> {
  const page = await browser.newPage();
  const lines: string[] = [];
  page.on('console', (m) => lines.push(m.text()));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(timeoutMs);
  try {
    await page.goto(url);
    await page.waitForFunction(() => (window as unknown as { stepBenchReady?: boolean }).stepBenchReady === true);
    const r = await page.evaluate(
      (o) => (window as unknown as { stepBench(o: unknown): Promise<Omit<PageRunResult, 'console' | 'outputs'> & { outputs?: Record<string, string> }> }).stepBench(o),
      opts,
    );
    const outputs = r.outputs ? Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, fromBase64(v)])) : undefined;
    return { ...r, outputs, console: lines };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].replace(/^page\.evaluate: (Error: )?/, '');
    // The page's own message is what matters; playwright's call log and stack are noise.
    throw new PageRunError(`${opts.preset} on ${opts.ep} (${opts.build}): ${msg}`, lines);
  } finally {
    await page.close();
  }
}

/** Nodes per execution provider, from ORT's verbose session log. */
export interface Placement {
  /** Node count per EP, e.g. { JsExecutionProvider: 173, CPUExecutionProvider: 6 }. */
  counts: Record<string, number>;
  /** The nodes the GPU EP has no kernel for (they run on the CPU EP), as `OpType node-name`. */
  noKernel: string[];
}

/**
 * Reads node placements from ORT's verbose log lines: "Node(s) placed on [EP]. Number of
 * nodes: N" (or "All nodes placed on [EP]…" when nothing falls back) from
 * VerifyEachNodeIsAssignedToAnEp, and the nodes the EP refused from GetCapability's "kernel not
 * found in registries for Op type: T node name: N" (logged once per partitioning pass, so
 * deduplicated). ORT does not list the CPU EP's nodes by name, hence the second source.
 */
export function parsePlacements(lines: readonly string[]): Placement {
  const counts: Record<string, number> = {};
  const noKernel = new Set<string>();
  for (const raw of lines.flatMap((l) => l.split('\n'))) {
    const head = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(raw);
    if (head) counts[head[1]] = Number(head[2]);
    const missing = /kernel not found in registries for Op type: (\w+) node name: (\S+)/.exec(raw);
    if (missing) noKernel.add(`${missing[1]} ${missing[2]}`);
  }
  return { counts, noKernel: [...noKernel] };
}
