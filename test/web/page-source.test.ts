/**
 * Static checks of the explorer page's source (web/src): it defines no latent maths of its own
 * (prior draws, interpolation paths, the manifold grid, one-hot labels all come from the
 * library), runs its model through the library's OnnxLatentModel and web runtime, and the code
 * it bundles (its own and, transitively, the library's) imports nothing Node-only.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const webSrc = join(root, 'web/src');
const files = readdirSync(webSrc, { recursive: true, withFileTypes: true })
  .filter((f) => f.isFile() && f.name.endsWith('.ts'))
  .map((f) => join(f.parentPath, f.name));
/** Source without comments (so a comment may still explain the maths it delegates). */
const code = (path: string) =>
  readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

test('web/src defines no latent maths of its own', () => {
  assert.ok(files.length >= 5, `found ${files.length} files`);
  const forbidden: [RegExp, string][] = [
    [/Math\.(sqrt|log|log1p|exp|cos|sin|acos|atan2|hypot)\b/, 'transcendental maths (Box–Muller draws, slerp angles): use the library'],
    [/\.(normal|uniform|normalArray)\s*\(/, 'drawing from the generator by hand: use samplePrior / drawPrior'],
    [/\(\s*1\s*-\s*t\s*\)/, 'a hand-written interpolation (1 − t)·a + t·b: use pathPoint / latentPath / interpolate / morph'],
    [/\boneHot\b|one_hot/i, 'one-hot labels by hand: the model (OnnxLatentModel) builds and checks them'],
    [/\[\s*\w+\s*\*\s*(K|k|numClasses)\s*\+/, 'indexing an N × K one-hot matrix by hand'],
    [/\b(function|const|let|var)\s+(priorAt|path|manifold|lerp|slerp|samplePrior|interpolate|morph|classMeans|latentPath|pathPoint)\b/, 'a local version of a library latent tool'],
    [/from\s+['"]onnxruntime-web/, 'ORT used directly: go through the library (src/runtime/web.ts, OnnxLatentModel)'],
  ];
  const found: string[] = [];
  for (const f of files) {
    const lines = code(f).split('\n');
    lines.forEach((line, i) => {
      for (const [re, why] of forbidden) if (re.test(line)) found.push(`${relative(root, f)}:${i + 1}: ${why}\n    ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the page uses the library: OnnxLatentModel on the web runtime, and the latent tools', () => {
  const all = files.map(code).join('\n');
  assert.match(code(join(webSrc, 'model.ts')), /OnnxLatentModel\.load\(\s*runtime/);
  assert.match(code(join(webSrc, 'main.ts')), /webRuntime\(/);
  for (const tool of ['samplePrior', 'drawPrior', 'manifold', 'morph', 'interpolate', 'pathPoint', 'nearerEnd', 'fromCoordinates', 'toCoordinates'])
    assert.match(all, new RegExp(`import \\{[^}]*\\b${tool}\\b[^}]*\\} from '(\\.\\./)+src/tools/latent\\.js'`), `the page imports ${tool} from the library`);
  // One palette: draw.ts takes the plots' palette instead of its own list of colours.
  assert.doesNotMatch(code(join(webSrc, 'draw.ts')), /#1f77b4/);
  assert.match(code(join(webSrc, 'draw.ts')), /from '\.\.\/\.\.\/src\/viz\/plots\.js'/);
  // One module per panel.
  for (const panel of ['generate', 'steer', 'map', 'morph', 'reconstruct']) assert.ok(existsSync(join(webSrc, 'panels', `${panel}.ts`)), `panels/${panel}.ts`);
});

test('everything the page bundles imports nothing Node-only', () => {
  const seen = new Set<string>();
  const bad: string[] = [];
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    // Value imports only: `import type` is erased before bundling.
    for (const m of code(path).matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) {
        if (spec.endsWith('.css')) continue;
        const target = resolve(dirname(path), spec.replace(/\.js$/, '.ts'));
        assert.ok(existsSync(target), `${relative(root, path)} imports ${spec}, which does not exist`);
        visit(target);
      } else if (spec.startsWith('node:') || /^(fs|path|os|url|http|module|crypto|child_process|worker_threads)$/.test(spec) || spec.startsWith('onnxruntime-node')) {
        bad.push(`${relative(root, path)} imports ${spec}`);
      }
    }
  };
  visit(join(webSrc, 'main.ts'));
  assert.ok(
    [...seen].some((p) => p.endsWith(join('src', 'runtime', 'web.ts'))),
    'the page bundles the web runtime',
  );
  assert.ok(
    [...seen].some((p) => p.endsWith(join('src', 'tools', 'latent.ts'))),
    'the page bundles the latent tools',
  );
  assert.deepEqual(bad, []);
});
