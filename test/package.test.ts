/**
 * The package as users import it: `import { VAE } from 'vaekit'` from the package's own root
 * (self-reference through "exports") and from a project that depends on it. Runs on dist/,
 * which `npm test` builds first.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = `
import { VAE } from 'vaekit';
const vae = VAE.fromPreset('medium-dense', { seed: 1 });
const m = await vae.trainStep(new Float32Array(2 * 784).fill(0.5));
console.log(JSON.stringify({ latentDim: vae.latentDim, finite: Number.isFinite(m.loss) }));
await vae.dispose();
`;

test('dist/ is built', () => {
  assert.ok(existsSync(join(root, 'dist/index.js')), 'run `npm run build` first');
  assert.ok(existsSync(join(root, 'dist/index.d.ts')));
});

test("import { VAE } from 'vaekit' works from the package's own root", () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { latentDim: 2, finite: true });
});

test("import { VAE } from 'vaekit' works from a project that depends on it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'vaekit-user-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user', type: 'module', dependencies: { vaekit: '*' } }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'vaekit'), 'dir');
    writeFileSync(join(dir, 'main.js'), script);
    const out = execFileSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), { latentDim: 2, finite: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
