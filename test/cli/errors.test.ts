/**
 * How the CLI reports failures: the library's option names become the CLI's flags through one
 * table (whose every flag exists), user errors are one line, bugs show their stack.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAGS, INTERNAL_ERROR_EXIT, isInternalError, reportError, withFlags } from '../../src/cli/errors.js';
import { makeProgram } from '../../src/cli/program.js';
import { UserError, expectInt, loadDataSource } from '../../src/index.js';

test('every flag the error table names is an option of some command', () => {
  const flags = new Set(makeProgram().commands.flatMap((c) => c.options.map((o) => o.long)));
  const missing = Object.entries(FLAGS).filter(([, flag]) => !flags.has(flag));
  assert.deepEqual(missing, []);
});

test("library option names in backticks print as the CLI's flags", () => {
  assert.equal(withFlags('`resume`: runs/a was trained with `data` mnist, not fashion-mnist'), '--resume: runs/a was trained with --data mnist, not fashion-mnist');
  assert.equal(withFlags('`resume`: x was trained with `dataOptions.limit` 200, not 300'), '--resume: x was trained with --limit 200, not 300');
  assert.equal(withFlags('`batchSize` and `klWarmup`, `trainOnTest`'), '--batch-size and --kl-warmup, --train-on-test');
  // Names the table does not know stay as the library wrote them; text outside backticks is untouched.
  assert.equal(withFlags('resume the `signal` data'), 'resume the `signal` data');
  try {
    loadDataSource('mnist', { labels: 'y.npy' });
    assert.fail('refused');
  } catch (e) {
    assert.match(withFlags((e as Error).message), /^--labels: only a .npy data source takes a labels file; --data mnist is a built-in data set/);
  }
});

test('user errors are one line without a stack; bugs show their stack and ask to be reported', () => {
  const out = (e: unknown, debug = false) => {
    let text = '';
    const code = reportError(e, (t) => (text += t), debug);
    return { code, text };
  };
  const argument = (() => {
    try {
      expectInt('n', 'x');
    } catch (e) {
      return e;
    }
  })();
  for (const e of [
    new UserError('`data` x: no such file or folder'),
    argument,
    new RangeError('`validation`: 5000 of 2000 images'),
    new Error('runs/a/manifest.json: missing'),
    Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }),
  ]) {
    assert.equal(isInternalError(e), false, String(e));
    const r = out(e);
    assert.equal(r.code, 1);
    assert.equal(r.text.trim().split('\n').length, 1, r.text);
    assert.doesNotMatch(r.text, /\n\s+at |`/);
    assert.match(r.text, /^vaekit: /);
  }
  assert.equal(out(new UserError('`data` x: no such file')).text, 'vaekit: --data x: no such file\n');
  assert.match(out(new UserError('a\nsecond line')).text, /^vaekit: a\n$/);
  assert.match(out(new UserError('with stack'), true).text, /^vaekit: with stack\n.*UserError: with stack\n\s+at /s);

  let bug: unknown;
  try {
    (undefined as unknown as { x: number }).x;
  } catch (e) {
    bug = e;
  }
  for (const e of [
    bug,
    new ReferenceError('foo is not defined'),
    Object.assign(new TypeError('The "path" argument must be of type string'), { code: 'ERR_INVALID_ARG_TYPE' }),
    new RangeError('Invalid array length'),
  ]) {
    assert.equal(isInternalError(e), true, String(e));
    const r = out(e);
    assert.equal(r.code, INTERNAL_ERROR_EXIT);
    assert.match(r.text, /^vaekit: internal error: .*\n\s*\S*Error: [\s\S]*\n\s+at [\s\S]*this is a bug in vaekit/);
  }
});
