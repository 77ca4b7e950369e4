/**
 * The one validation layer: TypeError for the wrong kind, RangeError out of range, the same
 * wording for flags, library arguments and JSON fields.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import {
  checkLabelledData,
  checkLabels,
  describeInt,
  describeNumber,
  expectConditional,
  expectInt,
  expectNumber,
  expectOneOf,
  parseIntArg,
  parseListArg,
  parseNumberArg,
  parseWith,
  UserError,
  zInt,
  zNumber,
  zOneOf,
} from '../../src/util/check.js';

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

test('labels of conditional models: one check, TypeError for the wrong kind, RangeError out of range', () => {
  // An unconditional model takes none.
  assert.equal(checkLabels('decode: labels', null, undefined, { n: 3 }), undefined);
  assert.throws(() => checkLabels('decode: labels', 0, Int32Array.of(1), { n: 1 }), {
    name: 'TypeError',
    message: 'decode: labels: this model is not conditional; pass no labels',
  });
  // A conditional one needs an Int32Array of the right count, each a class of the model.
  const y = Int32Array.of(1, 2, 0);
  assert.equal(checkLabels('decode: labels', 3, y, { n: 3 }), y);
  assert.throws(() => checkLabels('decode: labels', 3, undefined, { n: 3 }), {
    name: 'TypeError',
    message: 'decode: labels: a conditional model needs an Int32Array of 3 labels, got none',
  });
  assert.throws(() => checkLabels('decode: labels', 3, [1, 2, 0], { n: 3 }), {
    name: 'TypeError',
    message: 'decode: labels: a conditional model needs an Int32Array of 3 labels, got [1,2,0]',
  });
  assert.throws(() => checkLabels('decode: labels', 3, Int32Array.of(1), { n: 3 }), { name: 'RangeError', message: 'decode: labels: expected 3 labels (one per image), got 1' });
  assert.throws(() => checkLabels('decode: labels', 3, Int32Array.of(1, 3, 0), { n: 3 }), {
    name: 'RangeError',
    message: 'decode: labels: expected labels in [0, 2], got 3 at index 1',
  });
  assert.throws(() => checkLabels('x', 3, Int32Array.of(-1), { n: 1 }), { name: 'RangeError', message: 'x: expected labels in [0, 2], got -1 at index 0' });
  // Broadcast: one label stands for all n.
  assert.deepEqual([...checkLabels('sample: labels', 10, Int32Array.of(4), { n: 3, broadcast: true })!], [4, 4, 4]);
  assert.throws(() => checkLabels('sample: labels', 10, undefined, { n: 3, broadcast: true }), { name: 'TypeError', message: /needs an Int32Array of 1 or 3 labels/ });
  assert.throws(() => checkLabels('sample: labels', 10, Int32Array.of(1, 2), { n: 3, broadcast: true }), {
    name: 'RangeError',
    message: 'sample: labels: expected 1 or 3 labels, got 2',
  });
  // Data sets.
  assert.equal(checkLabelledData('fit', null, { name: 'faces', labels: null }), false);
  assert.equal(checkLabelledData('fit', 10, { name: 'mnist/train', labels: Int32Array.of(1) }), true);
  assert.throws(() => checkLabelledData('fit', 10, { name: 'faces', labels: null }), {
    name: 'TypeError',
    message: "fit: a conditional model needs labels, data set 'faces' has none",
  });
  // What only a conditional model does.
  assert.equal(expectConditional('`label`', 10), 10);
  assert.throws(() => expectConditional('`label`', null), { name: 'TypeError', message: /^`label`: the model is not conditional/ });
});

test('list flags: each entry by its own check, the count with its limit and why', () => {
  assert.deepEqual(
    parseListArg('--indices', '1, 3,7', (p) => parseIntArg('--indices', p, 0)),
    [1, 3, 7],
  );
  assert.throws(() => parseListArg('--indices', '1,x', (p) => parseIntArg('--indices', p, 0)), { name: 'TypeError', message: "--indices expects an integer ≥ 0, got 'x'" });
  assert.throws(() => parseListArg('--scales', '1,2,3', Number, { max: 2, why: 'the limit of one picture' }), {
    name: 'RangeError',
    message: '--scales expects at most 2 entries (the limit of one picture), got 3',
  });
  assert.throws(() => parseListArg('--range', '1', Number, { min: 2, max: 2, why: 'from,to' }), { name: 'RangeError', message: '--range expects 2 entries (from,to), got 1' });
});

test('UserError is an Error named UserError', () => {
  const e = new UserError('x: no such file');
  assert.ok(e instanceof Error && e instanceof UserError);
  assert.equal(e.name, 'UserError');
  assert.match(String(e), /^UserError: x: no such file$/);
});
