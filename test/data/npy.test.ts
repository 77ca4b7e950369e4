import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadNpy, readNpy } from '../../src/data/index.js';
import { npyBytes, tempDir } from './helpers.js';

const u8 = (a: ArrayLike<number>): Uint8Array => Uint8Array.from(a);
const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('.npy reader', () => {
  it('loads uint8 [N, H, W] scaled by 1/255, with int64 labels', () => {
    const { dir, cleanup } = tempDir();
    try {
      const pixels = u8(Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 20));
      writeFileSync(join(dir, 'x.npy'), npyBytes('|u1', [2, 3, 2], pixels));
      writeFileSync(join(dir, 'y.npy'), npyBytes('<i8', [2], bytesOf(BigInt64Array.from([4n, 1n]))));
      const ds = loadNpy(join(dir, 'x.npy'), { labels: join(dir, 'y.npy') });
      assert.equal(ds.count, 2);
      assert.deepEqual(ds.shape, [3, 2, 1]);
      assert.equal(ds.images[0], 0);
      assert.equal(ds.images[11], Math.fround(220 / 255));
      assert.deepEqual(Array.from(ds.labels ?? []), [4, 1]);
      assert.deepEqual(ds.labelNames, ['0', '1', '2', '3', '4']);
      const limited = loadNpy(join(dir, 'x.npy'), { labels: join(dir, 'y.npy'), limit: 1 });
      assert.equal(limited.count, 1);
      assert.equal(limited.images.length, 6);
      assert.deepEqual(Array.from(limited.labels ?? []), [4]);
    } finally {
      cleanup();
    }
  });

  it('loads float32 [N, H, W, 3] as is (format 2.0), with int32 and uint8 labels', () => {
    const { dir, cleanup } = tempDir();
    try {
      const vals = Float32Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => i / 35);
      writeFileSync(join(dir, 'x.npy'), npyBytes('<f4', [3, 2, 2, 3], bytesOf(vals), { version: 2 }));
      writeFileSync(join(dir, 'y32.npy'), npyBytes('<i4', [3], bytesOf(Int32Array.from([0, 2, 1]))));
      writeFileSync(join(dir, 'y8.npy'), npyBytes('|u1', [3, 1], u8([1, 1, 0])));
      const ds = loadNpy(join(dir, 'x.npy'), { labels: join(dir, 'y32.npy'), labelNames: ['a', 'b', 'c'] });
      assert.deepEqual(ds.shape, [2, 2, 3]);
      assert.deepEqual(Array.from(ds.images), Array.from(vals));
      assert.deepEqual(Array.from(ds.labels ?? []), [0, 2, 1]);
      assert.deepEqual(ds.labelNames, ['a', 'b', 'c']);
      assert.deepEqual(Array.from(loadNpy(join(dir, 'x.npy'), { labels: join(dir, 'y8.npy') }).labels ?? []), [1, 1, 0]);
      const arr = readNpy(join(dir, 'x.npy'));
      assert.equal(arr.dtype, 'f4');
      assert.deepEqual(arr.shape, [3, 2, 2, 3]);
    } finally {
      cleanup();
    }
  });

  it('gives one-line errors naming the file for each kind of bad input', () => {
    const { dir, cleanup } = tempDir();
    try {
      const p = (n: string): string => join(dir, n);
      const ok = npyBytes('|u1', [2, 2, 2], u8([0, 1, 2, 3, 4, 5, 6, 7]));
      writeFileSync(p('ok.npy'), ok);
      writeFileSync(p('i2.npy'), npyBytes('<i2', [1, 2, 2], new Uint8Array(8)));
      writeFileSync(p('be.npy'), npyBytes('>f4', [1, 2, 2], new Uint8Array(16)));
      writeFileSync(p('fortran.npy'), npyBytes('|u1', [2, 2, 2], new Uint8Array(8), { fortran: true }));
      writeFileSync(p('flat.npy'), npyBytes('|u1', [2, 4], new Uint8Array(8)));
      writeFileSync(p('c2.npy'), npyBytes('|u1', [1, 2, 2, 2], new Uint8Array(8)));
      writeFileSync(p('short.npy'), ok.subarray(0, ok.length - 3));
      writeFileSync(p('range.npy'), npyBytes('<f4', [1, 1, 2], bytesOf(Float32Array.from([0.5, 255]))));
      writeFileSync(p('nan.npy'), npyBytes('<f4', [1, 1, 2], bytesOf(Float32Array.from([NaN, 0]))));
      writeFileSync(p('y3.npy'), npyBytes('<i8', [3], bytesOf(BigInt64Array.from([0n, 1n, 2n]))));
      writeFileSync(p('yf.npy'), npyBytes('<f4', [2], bytesOf(Float32Array.from([0, 1]))));
      writeFileSync(p('yneg.npy'), npyBytes('<i4', [2], bytesOf(Int32Array.from([0, -1]))));
      writeFileSync(p('notnpy.npy'), Buffer.from('PK\x03\x04 this is an npz'));
      const cases: [() => unknown, RegExp][] = [
        [() => loadNpy(p('i2.npy')), /i2\.npy: unsupported image dtype '<i2' \(expected uint8, float32 or float64\)/],
        [() => loadNpy(p('be.npy')), /be\.npy: unsupported dtype '>f4' \(big-endian/],
        [() => loadNpy(p('fortran.npy')), /fortran\.npy: Fortran-order arrays are not supported/],
        [() => loadNpy(p('flat.npy')), /flat\.npy: expected image shape \[N, H, W\] or \[N, H, W, C\] with C = 1 or 3, got \[2, 4\]/],
        [() => loadNpy(p('c2.npy')), /got \[1, 2, 2, 2\]/],
        [() => loadNpy(p('short.npy')), /short\.npy: truncated \.npy data: shape \[2, 2, 2\] '\|u1' needs 8 bytes, file has 5/],
        [() => loadNpy(p('range.npy')), /range\.npy: float value 255 \(image 0\) outside \[0, 1\]/],
        [() => loadNpy(p('nan.npy')), /nan\.npy: float value NaN/],
        [() => loadNpy(p('ok.npy'), { labels: p('y3.npy') }), /y3\.npy: 3 labels but .*ok\.npy has 2 images/],
        [() => loadNpy(p('ok.npy'), { labels: p('yf.npy') }), /yf\.npy: unsupported label dtype '<f4'/],
        [() => loadNpy(p('ok.npy'), { labels: p('yneg.npy') }), /yneg\.npy: label -1 at index 1 is not a class index/],
        [() => loadNpy(p('notnpy.npy')), /notnpy\.npy: not a \.npy file/],
        [() => loadNpy(p('missing.npy')), /missing\.npy: cannot read \.npy file \(ENOENT/],
      ];
      for (const [f, re] of cases) {
        assert.throws(f, (e: Error) => {
          assert.match(e.message, re);
          assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
          return true;
        });
      }
    } finally {
      cleanup();
    }
  });
});
