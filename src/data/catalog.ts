/**
 * The data sets a page can train on without touching the file system: a catalog (JSON) naming
 * each set's IDX files by URL, and a loader that fetches and parses them (browser-safe). The
 * vaekit server builds the catalog from the installed MNIST and Fashion-MNIST
 * (src/serve/catalog.ts); a static site ships a small sample the same way.
 */
import type { Dataset, Split } from './dataset.js';
import { idxBytesDataset } from './idx-bytes.js';

/** One split's files, as URLs relative to the page. */
export interface CatalogSplit {
  images: string;
  labels: string;
}

/** One data set in the catalog. */
export interface CatalogEntry {
  /** e.g. 'mnist', 'fashion-mnist' (what a run's manifest records as its data source). */
  name: string;
  /** Shown in the page, e.g. 'MNIST (60,000 + 10,000)'. */
  title: string;
  labelNames: string[];
  train: CatalogSplit;
  test: CatalogSplit;
}

/** `data/index.json`. */
export interface DataCatalog {
  format: 'vaekit-data';
  datasets: CatalogEntry[];
}

/** URL path of the catalog, relative to the page. */
export const CATALOG_PATH = 'data/index.json';

/** Fetches bytes (the page's `fetch`, a test's file read). */
export type FetchBytes = (url: string) => Promise<Uint8Array>;

/** Fetches and parses one split of a catalog entry; `limit` keeps the first images only. */
export async function loadCatalogDataset(entry: CatalogEntry, split: Split, get: FetchBytes, opts: { limit?: number } = {}): Promise<Dataset> {
  const files = entry[split];
  const [images, labels] = await Promise.all([get(files.images), get(files.labels)]);
  return idxBytesDataset(images, labels, { name: `${entry.name}/${split}`, labelNames: entry.labelNames, limit: opts.limit, imagesName: files.images, labelsName: files.labels });
}
