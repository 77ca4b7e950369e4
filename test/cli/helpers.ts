/**
 * Shared by the CLI tests: running `dist/cli/main.js` (built by `npm test`) and checking that a
 * user error is one line on stderr with a non-zero exit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = join(root, 'dist/cli/main.js');

/** `vaekit ARGS...` run in `cwd`: exit code, stdout and stderr. */
export function vaekitIn(cwd: string) {
  return (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
}

/** A user error: non-zero exit, exactly one line on stderr, no stack trace, no internal names. */
export function oneLineError(r: { code: number | null; err: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at |\.tmp-\d+|Cannot read properties/);
}
