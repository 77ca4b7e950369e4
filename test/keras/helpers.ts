/** Shared by the Keras tests: where the Keras-written fixtures are, and a tolerance check. */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Keras-written fixtures (../shared/fixtures/keras; CI has ../shared beside the clone). */
export const FIXTURES = join(ROOT, '../shared/fixtures/keras');

/** Asserts that two arrays agree within `tol` everywhere. */
export function closeTo(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= tol, `${what}: max difference ${worst} > ${tol}`);
}
