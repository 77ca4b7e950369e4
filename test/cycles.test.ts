/**
 * The module graph has no cycles: every file of src/ and of the page (web/src/) can be read
 * after the files it imports. Checked with madge over the TypeScript sources.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import madge from 'madge';

test('no import cycles in src/ and web/src/', async () => {
  const graph = await madge(['src', 'web/src'], { fileExtensions: ['ts'], tsConfig: 'tsconfig.json' });
  assert.ok(Object.keys(graph.obj()).length > 60, 'madge saw the sources');
  assert.deepEqual(graph.circular(), []);
});
