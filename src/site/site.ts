/**
 * `vaekit site`: a static folder that works from any static web host, with no vaekit server.
 * It holds exactly what the explorer's server sends (`allowList`: the built page, onnxruntime-web's
 * files under ort/, the run's four files under run/), each at the path the server sends it at,
 * plus a README.txt saying how to publish it. The folder is written beside its destination under
 * a temporary name and renamed into place, so it is whole or absent.
 *
 * A variant is a list of files (site path → source file or bytes); {@link writeSite} writes any
 * such list: the explorer of a run ({@link buildSite}), and the studio with no run and a small
 * sample of the installed data sets ({@link buildStudioSite}).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'fflate';
import { CATALOG_PATH, type CatalogEntry, type CatalogSplit, type DataCatalog } from '../data/catalog.js';
import { idxBytes } from '../data/idx-bytes.js';
import { loadFashionMnist, loadMnist, type Dataset, type Split } from '../data/index.js';
import { standardCatalog } from '../serve/catalog.js';
import { allowList, type Served } from '../serve/server.js';
import { prepareExplorerData } from '../serve/data.js';
import { fsyncDir, tempName } from '../util/files.js';
import { VERSION } from '../version.js';

/** The first line of every site's README.txt: how `overwrite` recognises a folder it may replace. */
export const SITE_MARK = 'This folder is a static vaekit site';

/** Options of {@link buildSite}. */
export interface BuildSiteOptions {
  /** Replace `outDir` when it holds an earlier vaekit site (any other non-empty folder is refused). */
  overwrite?: boolean;
  /** The data set for the map, class means and test images (default: the run's test split, as `vaekit serve`). */
  data?: Dataset;
  /** Called with progress lines. */
  log?: (line: string) => void;
}

/** What {@link buildSite} wrote. */
export interface SiteResult {
  /** The site's folder. */
  dir: string;
  /** Files written (README.txt included). */
  files: number;
  /** Their total size in bytes. */
  bytes: number;
}

/**
 * Writes the explorer of the run folder `runDir` as a static site into `outDir`: the page, its
 * wasm runtime, the run's encoder, decoder, manifest and explorer data (computed into the run
 * folder first when missing or stale, as `vaekit serve` does) and README.txt. Refuses a non-empty
 * `outDir` without `overwrite`, and one that holds anything but an earlier site even with it.
 */
export async function buildSite(runDir: string, outDir: string, opts: BuildSiteOptions = {}): Promise<SiteResult> {
  checkDestination(outDir, opts.overwrite === true);
  const run = await prepareExplorerData(runDir, opts);
  const m = run.manifest;
  const what = `the latent-space explorer of the run ${m.preset ?? 'of a custom model'} (${run.epochsDone} epoch${run.epochsDone === 1 ? '' : 's'}${m.dataset ? ` on ${m.dataset.name}` : ''})`;
  const files = serverFiles(allowList(runDir));
  // No data sets ship with a run's site: an empty catalog tells the Train panel so.
  files.set(CATALOG_PATH, new TextEncoder().encode(JSON.stringify({ format: 'vaekit-data', datasets: [] } satisfies DataCatalog)));
  return writeSite(outDir, files, siteReadme(what), opts.overwrite === true);
}

/**
 * The files the explorer's server sends, as site path → source file ('/' is index.html's second
 * name). The data catalog stays out: a run's site explores the run, it does not ship MNIST.
 */
function serverFiles(allowed: Map<string, Served>): Map<string, string | Uint8Array> {
  const files = new Map<string, string | Uint8Array>();
  for (const [url, file] of allowed) if (url !== '/' && typeof file === 'string' && !url.startsWith('/data/')) files.set(url.replace(/^\//, ''), file);
  return files;
}

/** Options of {@link buildStudioSite}. */
export interface StudioSiteOptions {
  /** Replace `outDir` when it holds an earlier vaekit site. */
  overwrite?: boolean;
  /** Training images per data set in the sample (default 5,000; test images: a fifth of it). */
  sample?: number;
}

/**
 * Writes the studio (the page with no run: train in the browser) as a static site, with a sample
 * of each installed data set (the first `sample` training and `sample / 5` test images, as
 * gzipped IDX files in data/ and their catalog data/index.json), so it trains from any static host.
 */
export function buildStudioSite(outDir: string, opts: StudioSiteOptions = {}): SiteResult {
  const n = opts.sample ?? 5000;
  if (!Number.isInteger(n) || n < 1 || n > 60000) throw new RangeError(`\`sample\`: expected an integer in [1, 60000], got ${String(n)}`);
  checkDestination(outDir, opts.overwrite === true);
  const files = serverFiles(allowList(null));
  const { catalog } = standardCatalog();
  const datasets: CatalogEntry[] = [];
  for (const entry of catalog.datasets) {
    const split = (s: Split, limit: number): CatalogSplit => {
      const ds = loadStandard(entry.name, s, limit);
      const url = (kind: string) => `data/${entry.name}/${s}-${kind}-sample.idx.gz`;
      const pixels = new Uint8Array(ds.images.length);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(ds.images[i] * 255);
      files.set(url('images'), gzipSync(idxBytes(pixels, [ds.count, ds.shape[0], ds.shape[1]])));
      files.set(url('labels'), gzipSync(idxBytes(Uint8Array.from(ds.labels!), [ds.count])));
      return { images: url('images'), labels: url('labels') };
    };
    const train = split('train', n);
    const test = split('test', Math.max(1, Math.round(n / 5)));
    datasets.push({ ...entry, title: `${entry.title}, a sample of ${n.toLocaleString('en-US')}`, train, test });
  }
  files.set(CATALOG_PATH, new TextEncoder().encode(JSON.stringify({ format: 'vaekit-data', datasets } satisfies DataCatalog)));
  const names = datasets.map((d) => d.name).join(' and ') || 'no data set (none is installed)';
  return writeSite(outDir, files, siteReadme(`the vaekit studio: train a VAE in the browser on a sample of ${names}`), opts.overwrite === true);
}

function loadStandard(name: string, split: Split, limit: number): Dataset {
  return name === 'mnist' ? loadMnist(split, { limit }) : loadFashionMnist(split, { limit });
}

/** README.txt: what the folder is and how to publish it. */
export function siteReadme(what: string): string {
  return `${SITE_MARK}: ${what}, made by vaekit ${VERSION} (vaekit site).

It needs no vaekit server: copy the whole folder to any static web host (GitHub Pages, Netlify,
an S3 bucket, nginx, Apache, ...) and open its index.html through the host. Everything the page
needs is in this folder; it fetches nothing from anywhere else. Opening index.html straight from
the disk (file://) does not work: browsers refuse to load the model files into a file:// page.

Try it on this machine:

    cd ${'<this folder>'}
    python3 -m http.server 8000

then open http://localhost:8000/ in a browser.

Threads: onnxruntime-web runs on several threads only in a cross-origin isolated page, which
needs the host to send these two headers with every file:

    Cross-Origin-Opener-Policy: same-origin
    Cross-Origin-Embedder-Policy: require-corp

Without them (python3 -m http.server, GitHub Pages) the page runs on 1 thread: slower, same results.

What is here: index.html and assets/ (the page), ort/ (onnxruntime-web's wasm runtime), and
run/ (a run's encoder.onnx and decoder.onnx, manifest.json, checkpoint and log, and explorer.json:
the map's points, class means and a few test images) or data/ (the studio's data sample).
`;
}

/** Refuses a destination the site may not replace (checked before any work is done). */
function checkDestination(outDir: string, overwrite: boolean): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) throw new Error(`${outDir}: exists and is not a folder`);
  if (!readdirSync(outDir).length) return;
  if (!isSite(outDir)) throw new Error(`${outDir}: not empty, and not an earlier vaekit site; pick a new or empty folder`);
  if (!overwrite) throw new Error(`${outDir}: holds an earlier vaekit site; give \`overwrite\` to replace it`);
}

function isSite(dir: string): boolean {
  try {
    return readFileSync(join(dir, 'README.txt'), 'utf8').startsWith(SITE_MARK);
  } catch {
    return false;
  }
}

/**
 * Writes a site: each source file copied to its site path, plus README.txt, into a temporary
 * folder beside `outDir`, then renamed into place (an earlier site is moved aside first and
 * removed after). Nothing is left half-written.
 */
export function writeSite(outDir: string, files: Map<string, string | Uint8Array>, readme: string, overwrite: boolean): SiteResult {
  checkDestination(outDir, overwrite);
  const target = resolve(outDir);
  const tmp = tempName(target);
  let bytes = 0;
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    for (const [path, from] of files) {
      if (path.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new Error(`bad site path '${path}'`);
      const to = join(tmp, path);
      mkdirSync(dirname(to), { recursive: true });
      if (typeof from === 'string') copyFileSync(from, to);
      else writeFileSync(to, from);
      bytes += statSync(to).size;
    }
    writeFileSync(join(tmp, 'README.txt'), readme);
    bytes += Buffer.byteLength(readme);
    fsyncDir(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${outDir}: cannot write the site (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // The folder appears whole: renamed into place (an empty one is replaced, an earlier site moved aside first).
  const old = `${target}.old-${process.pid}`;
  try {
    if (existsSync(target)) {
      if (readdirSync(target).length) renameSync(target, old);
      else rmdirSync(target);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw new Error(`${outDir}: cannot write the site (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  rmSync(old, { recursive: true, force: true });
  fsyncDir(dirname(target));
  return { dir: outDir, files: files.size + 1, bytes };
}
