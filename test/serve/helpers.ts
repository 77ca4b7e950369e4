/**
 * Shared by the explorer's tests: tiny trained runs in a temp folder, and raw HTTP requests
 * (node:http, so that paths like /../x reach the server exactly as written, unnormalized).
 */
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '../../src/data/index.js';
import type { PresetName } from '../../src/models/presets.js';
import { trainRun } from '../../src/run/train.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Trains `preset` for `epochs` on the first `limit` MNIST training images into `out` (batch size: the preset's). */
export async function tinyRun(out: string, preset: PresetName, limit = 600, epochs = 1, batchSize?: number): Promise<string> {
  const r = await trainRun({ out, preset, epochs, batchSize, seed: 1, validation: null, data: { train: loadMnist('train', { limit }), test: loadMnist('test', { limit: 300 }) } });
  await r.vae.dispose();
  return out;
}

/** The test images the explorer's data file is computed from in tests (fewer than the full 10,000, for speed). */
export const testImages = () => loadMnist('test', { limit: 1000 });

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path sent byte for byte as given. */
export function raw(url: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
