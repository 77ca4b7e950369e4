/**
 * Comments and docs that cite a file of the repository cite one that exists: every
 * `src/…`, `web/…`, `test/…`, `docs/…`, `bench/…` or `examples/…` path written in a source
 * file, the README or docs/*.md names a file or folder of this tree.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const CITED = /(?<![\w./-])((?:src|web|test|docs|bench|examples)\/[\w\-./]*[\w-])/g;

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile() && ext.test(f.name) && !f.parentPath.includes('node_modules') && !f.parentPath.includes('.venv') && !f.parentPath.includes('fixtures'))
    .map((f) => join(f.parentPath, f.name));
}

test('every repository path cited in sources and docs exists', () => {
  const sources = [
    ...files('src', /\.ts$/),
    ...files('web/src', /\.ts$/),
    ...files('test', /\.ts$/),
    ...files('bench', /\.(ts|py|sh)$/),
    ...files('docs', /\.md$/),
    join(ROOT, 'README.md'),
  ];
  const missing: string[] = [];
  let cited = 0;
  for (const file of sources) {
    for (const m of readFileSync(file, 'utf8').matchAll(CITED)) {
      const path = m[1].replace(/\.$/, '');
      // Globs, templates and output folders made at run time are not citations of a file.
      if (/[*{}$<>]/.test(path) || /^bench\/(results|\.venv)/.test(path) || /^docs\/results\/$/.test(path)) continue;
      cited++;
      if (!existsSync(join(ROOT, path)) && !existsSync(join(ROOT, `${path}.ts`))) missing.push(`${file.slice(ROOT.length + 1)}: ${path}`);
    }
  }
  assert.ok(cited > 50, `found ${cited} citations`);
  assert.deepEqual(missing, []);
});
