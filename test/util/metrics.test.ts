/** The one place that takes loss, reconstruction and kl out of a larger record. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossTerms } from '../../src/util/metrics.js';

test('lossTerms keeps exactly the three numbers, as a new object', () => {
  const log = { epoch: 3, epochs: 5, loss: 1.5, reconstruction: 1.25, kl: 0.25, seconds: 2, val: { loss: 2, reconstruction: 1.5, kl: 0.5 } };
  const t = lossTerms(log);
  assert.deepEqual(t, { loss: 1.5, reconstruction: 1.25, kl: 0.25 });
  assert.notEqual(t, log);
});
