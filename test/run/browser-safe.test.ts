/**
 * The run's bytes (src/run/files.ts), the checkpoint format and VERSION are bundled into the page:
 * their import graph may hold no `node:` module and no onnxruntime-node, and their files may use
 * neither `Buffer` nor `process`. Type-only imports are erased and dynamic `import()` is lazy, so
 * both are allowed. The one exception is the Node runtime (src/runtime/node.ts), which the
 * engine names as its default: the page's build marks onnxruntime-node external, and node.ts
 * imports it lazily.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE_ONLY = /^(node:|onnxruntime-node$|fs$|path$|os$|crypto$|child_process$|url$)/;
const ALLOWED = new Set(['src/runtime/node.ts onnxruntime-node']);

/** Every module `entries` reach by value imports, and the node-only things found, with the chain that reaches them. */
function nodeOnly(entries: string[]): { files: number; problems: string[] } {
  const from = new Map<string, string | null>();
  const stack: Array<[string, string | null]> = entries.map((e) => [e, null]);
  const problems: string[] = [];
  const chain = (f: string) => {
    const c: string[] = [];
    for (let x: string | null | undefined = f; x; x = from.get(x)) c.push(x);
    return c.reverse().join(' → ');
  };
  while (stack.length) {
    const [file, parent] = stack.pop()!;
    if (from.has(file)) continue;
    from.set(file, parent);
    const src = readFileSync(join(root, file), 'utf8');
    const code = src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const m of code.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2];
      if (spec.startsWith('.')) stack.push([relative(root, join(root, dirname(file), spec)).replace(/\.js$/, '.ts'), file]);
      else if (NODE_ONLY.test(spec) && !ALLOWED.has(`${file} ${spec}`)) problems.push(`${chain(file)} imports ${spec}`);
    }
    const globals = /\bBuffer\b|\bprocess\./.exec(code.replace(/'[^'\n]*'|"[^"\n]*"|`[^`]*`/g, "''"));
    if (globals) problems.push(`${chain(file)} uses ${globals[0]}`);
  }
  return { files: from.size, problems };
}

test("the run's bytes, the checkpoint format and VERSION import nothing node-only", () => {
  const r = nodeOnly(['src/run/files.ts', 'src/train/checkpoint-format.ts', 'src/version.ts']);
  assert.ok(r.files > 10, `the walk saw ${r.files} files`);
  assert.deepEqual(r.problems, []);
});

test('the walk finds node-only imports and globals (it can fail)', () => {
  const r = nodeOnly(['src/run/zip.ts', 'src/train/checkpoint.ts']);
  assert.ok(r.problems.some((p) => /src\/run\/zip\.ts imports node:fs/.test(p)));
  assert.ok(r.problems.some((p) => /src\/run\/zip\.ts uses Buffer/.test(p)));
  assert.ok(r.problems.some((p) => /src\/train\/checkpoint\.ts imports node:fs/.test(p)));
});
