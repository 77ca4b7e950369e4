/**
 * The CLI is a thin shell over the public API: every module in src/cli imports only
 * `../index.js` (the package's public API), its sibling CLI modules, node built-ins and the CLI's
 * own dependencies (commander, cli-progress). Parsed with the TypeScript compiler, so that
 * `export … from`, `import type` and dynamic `import()` count too.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { root } from './helpers.js';

const cliDir = join(root, 'src/cli');
const CLI_DEPENDENCIES = new Set(['commander', 'cli-progress']);

/** Every module specifier a source file names: imports, re-exports, dynamic imports, require(). */
function specifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression))
      found.push(node.moduleReference.expression.text);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const arg = node.arguments[0];
      found.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Why `spec`, imported by a module of src/cli, is not allowed (null when it is). */
function refusal(spec: string): string | null {
  if (spec === '../index.js') return null;
  if (spec.startsWith('./')) {
    const m = /^\.\/([\w-]+)\.js$/.exec(spec);
    if (!m) return 'a sibling must be named ./name.js';
    return existsSync(join(cliDir, `${m[1]}.ts`)) ? null : `no src/cli/${m[1]}.ts`;
  }
  if (spec.startsWith('.') || spec.startsWith('/')) return "reaches past the public API (import it from '../index.js')";
  const bare = spec.replace(/^node:/, '');
  if (spec.startsWith('node:') || builtinModules.includes(bare)) return null;
  const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  return CLI_DEPENDENCIES.has(pkg) ? null : `${pkg} is not one of the CLI's dependencies (${[...CLI_DEPENDENCIES].join(', ')})`;
}

test('src/cli imports only the public API, its siblings, node built-ins, commander and cli-progress', () => {
  const files = readdirSync(cliDir).filter((n) => n.endsWith('.ts'));
  assert.ok(files.includes('main.ts') && files.length >= 5, `found ${files.join(', ')}`);
  const bad: string[] = [];
  for (const name of files) {
    for (const spec of specifiers(name, readFileSync(join(cliDir, name), 'utf8'))) {
      const why = refusal(spec);
      if (why) bad.push(`src/cli/${name}: '${spec}': ${why}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the check sees every kind of import, and refuses internals', () => {
  const text = [
    "import { a } from '../run/run.js';",
    "import type { B } from '../data/index.js';",
    "export { c } from '../util/files.js';",
    "const d = await import('../viz/report.js');",
    "type E = import('../models/vae.js').VAE;",
    "import { f } from '../index.js';",
    "import { g } from './util.js';",
    "import { readFileSync } from 'node:fs';",
    "import { Command } from 'commander';",
    "import zod from 'zod';",
  ].join('\n');
  const specs = specifiers('x.ts', text);
  assert.deepEqual(specs, [
    '../run/run.js',
    '../data/index.js',
    '../util/files.js',
    '../viz/report.js',
    '../models/vae.js',
    '../index.js',
    './util.js',
    'node:fs',
    'commander',
    'zod',
  ]);
  assert.deepEqual(
    specs.map((s) => refusal(s) !== null),
    [true, true, true, true, true, false, false, false, false, true],
  );
  assert.match(refusal('./nope.js') ?? '', /no src\/cli\/nope\.ts/);
});
