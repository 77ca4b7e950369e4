/**
 * The one validation layer: TypeError for the wrong kind, RangeError out of range, the same
 * wording for flags, library arguments and JSON fields.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { describeInt, describeNumber, expectInt, expectNumber, expectOneOf, parseIntArg, parseNumberArg, parseWith, zInt, zNumber, zOneOf } from '../../src/util/check.js';

test('expectations read the same everywhere', () => {
  assert.equal(describeInt(1), 'an integer ≥ 1');
  assert.equal(describeInt(2, 100), 'an integer in [2, 100]');
  assert.equal(describeNumber({ min: 0 }), 'a number ≥ 0');
  assert.equal(describeNumber({ above: 0 }), 'a number > 0');
  assert.equal(describeNumber({ min: 0, max: 1 }), 'a number in [0, 1]');
  assert.equal(describeNumber({ above: 0, max: 5 }), 'a number > 0 and ≤ 5');
});

test('wrong kind is a TypeError, out of range a RangeError, each naming the argument', () => {
  assert.throws(() => expectInt('n', '3'), { name: 'TypeError', message: 'n expects an integer, got "3"' });
  assert.throws(() => expectInt('n', 2.5, 1), { name: 'RangeError', message: 'n expects an integer ≥ 1, got 2.5' });
  assert.throws(() => expectNumber('scale', -1, { above: 0 }), { name: 'RangeError', message: 'scale expects a number > 0, got -1' });
  assert.throws(() => expectNumber('scale', Infinity, { above: 0 }), { name: 'RangeError', message: 'scale expects a number > 0, got Infinity' });
  assert.throws(() => expectOneOf('kind', 3, ['a', 'b']), { name: 'TypeError', message: 'kind expects one of a, b, got 3' });
  assert.throws(() => expectOneOf('kind', 'c', ['a', 'b']), { name: 'RangeError' });
  assert.equal(expectInt('n', 3, 1, 5), 3);
  assert.throws(() => parseIntArg('--epochs', 'x', 1), { name: 'TypeError', message: "--epochs expects an integer ≥ 1, got 'x'" });
  assert.throws(() => parseIntArg('--epochs', '0', 1), { name: 'RangeError', message: "--epochs expects an integer ≥ 1, got '0'" });
  assert.throws(() => parseNumberArg('--beta', '-1', { min: 0 }), { name: 'RangeError', message: "--beta expects a number ≥ 0, got '-1'" });
  assert.equal(parseNumberArg('--beta', '0.5', { min: 0 }), 0.5);
});

test('schemas name the field by its path in the same words', () => {
  const s = z.strictObject({ loss: z.strictObject({ beta: zNumber({ min: 0 }), kind: zOneOf(['sse', 'bce']) }).partial(), layers: z.array(z.object({ units: zInt(1, 10) })) });
  assert.throws(() => parseWith('', s, { loss: { beta: -2 }, layers: [] }), { name: 'RangeError', message: 'loss.beta expects a number ≥ 0, got -2' });
  assert.throws(() => parseWith('', s, { loss: { beta: 'x' }, layers: [] }), { name: 'TypeError', message: 'loss.beta expects a number ≥ 0, got "x"' });
  assert.throws(() => parseWith('', s, { loss: {}, layers: [{ units: 11 }] }), { name: 'RangeError', message: 'layers[0].units expects an integer in [1, 10], got 11' });
  assert.throws(() => parseWith('', s, { loss: { kind: 'mae' }, layers: [] }), { name: 'RangeError', message: 'loss.kind expects one of sse, bce, got "mae"' });
  assert.throws(() => parseWith('', s, { loss: {}, layers: [], extra: 1 }), { name: 'RangeError', message: "unknown field 'extra'" });
  assert.throws(() => parseWith('', s, null, 'config'), { name: 'TypeError', message: /^config expects/ });
  assert.deepEqual(parseWith('', s, { loss: { beta: 1 }, layers: [{ units: 2 }] }), { loss: { beta: 1 }, layers: [{ units: 2 }] });
});
