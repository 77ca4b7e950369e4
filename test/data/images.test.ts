import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jpeg from 'jpeg-js';
import { loadImageFolder, resizeImage } from '../../src/data/index.js';
import { tempDir, writePng } from './helpers.js';

const gray = (v: number): [number, number, number] => [v, v, v];

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('image folder', () => {
  it('labels from sorted sub-folder names, grayscale inferred, pixels / 255', () => {
    const { dir, cleanup } = tempDir();
    try {
      // Created out of order to check the sorting.
      mkdirSync(join(dir, 'zebra'));
      mkdirSync(join(dir, 'ant'));
      writePng(join(dir, 'zebra', 'b.png'), 3, 2, (y, x) => gray(10 * (y * 2 + x)));
      writePng(join(dir, 'ant', 'b.png'), 3, 2, () => gray(255));
      writePng(join(dir, 'ant', 'a.png'), 3, 2, () => gray(51));
      writeFileSync(join(dir, 'ant', 'notes.txt'), 'ignored');
      writeFileSync(join(dir, '.DS_Store'), 'ignored');
      const ds = loadImageFolder(dir);
      assert.equal(ds.count, 3);
      assert.deepEqual(ds.shape, [3, 2, 1]);
      assert.deepEqual(ds.labelNames, ['ant', 'zebra']);
      assert.deepEqual(Array.from(ds.labels ?? []), [0, 0, 1]);
      assert.equal(ds.images[0], Math.fround(51 / 255)); // ant/a.png first
      assert.equal(ds.images[6], 1); // ant/b.png
      close(
        ds.images.subarray(12),
        [0, 10, 20, 30, 40, 50].map((v) => v / 255),
      );
    } finally {
      cleanup();
    }
  });

  it('unlabelled when images sit directly in the folder; RGB inferred; channels: 1 uses luminance', () => {
    const { dir, cleanup } = tempDir();
    try {
      writePng(join(dir, '1.png'), 1, 2, (_, x) => (x === 0 ? [255, 0, 0] : [0, 0, 255]));
      writePng(join(dir, '2.PNG'), 1, 2, () => [0, 255, 0]);
      const rgb = loadImageFolder(dir);
      assert.equal(rgb.labels, null);
      assert.equal(rgb.labelNames, null);
      assert.deepEqual(rgb.shape, [1, 2, 3]);
      close(rgb.images, [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0]);
      const lum = loadImageFolder(dir, { channels: 1 });
      assert.deepEqual(lum.shape, [1, 2, 1]);
      close(lum.images, [0.299, 0.114, 0.587, 0.587]);
      const forced = loadImageFolder(dir, { channels: 3 });
      assert.deepEqual(forced.shape, [1, 2, 3]);
    } finally {
      cleanup();
    }
  });

  it('decodes JPEG (format from the bytes)', () => {
    const { dir, cleanup } = tempDir();
    try {
      const w = 8;
      const h = 8;
      const data = Buffer.alloc(w * h * 4, 128);
      writeFileSync(join(dir, 'a.jpg'), jpeg.encode({ width: w, height: h, data }, 95).data);
      const ds = loadImageFolder(dir);
      assert.deepEqual(ds.shape, [8, 8, 1]);
      close(ds.images, new Array(64).fill(128 / 255), 3 / 255); // lossy
    } finally {
      cleanup();
    }
  });

  it('resizes to `size` (area when shrinking, bilinear when growing), so mixed sizes load', () => {
    const { dir, cleanup } = tempDir();
    try {
      // 4×4 whose 2×2 blocks are 0, 40, 80, 120 → area-average to exactly those values at 2×2.
      writePng(join(dir, 'big.png'), 4, 4, (y, x) => gray(40 * (2 * Math.floor(y / 2) + Math.floor(x / 2))));
      writePng(join(dir, 'small.png'), 2, 2, (y, x) => gray(40 * (2 * y + x)));
      const ds = loadImageFolder(dir, { size: [2, 2] });
      assert.deepEqual(ds.shape, [2, 2, 1]);
      close(
        ds.images,
        [0, 40, 80, 120, 0, 40, 80, 120].map((v) => v / 255),
      );
      const up = loadImageFolder(dir, { size: [4, 4] });
      assert.deepEqual(up.shape, [4, 4, 1]);
      // small.png grown by 2 with half-pixel bilinear: row 0 = 0, 10, 30, 40 (scaled to /255).
      close(
        up.images.subarray(16, 20),
        [0, 10, 30, 40].map((v) => v / 255),
        1e-6,
      );
    } finally {
      cleanup();
    }
  });

  it('resizeImage: weights sum to one, a constant stays constant, non-integer factors', () => {
    const src = new Float32Array(5 * 7 * 3).fill(0.25);
    for (const method of ['area', 'bilinear'] as const) {
      for (const size of [
        [3, 4],
        [2, 2],
        [11, 13],
        [5, 7],
      ] as [number, number][]) {
        const out = resizeImage(src, [5, 7, 3], size, method);
        assert.equal(out.length, size[0] * size[1] * 3);
        close(out, new Array(out.length).fill(0.25), 1e-6);
      }
    }
    // Area 3 → 2 along a row: [0, 0.3, 0.6] → [(0 + 0.15) / 1.5, (0.15 + 0.6) / 1.5].
    close(resizeImage(Float32Array.from([0, 0.3, 0.6]), [1, 3, 1], [1, 2], 'area'), [0.1, 0.5]);
    assert.throws(() => resizeImage(src, [5, 7, 3], [0, 2], 'area'), /size: expected \[height, width\] of positive integers/);
  });

  it('errors: mixed sizes (naming both files), empty folder, unreadable image, mixed layout', () => {
    const { dir, cleanup } = tempDir();
    try {
      const mixed = join(dir, 'mixed');
      mkdirSync(mixed);
      writePng(join(mixed, 'a.png'), 28, 28, () => gray(0));
      writePng(join(mixed, 'b.png'), 32, 30, () => gray(0));
      assert.throws(
        () => loadImageFolder(mixed),
        (e: Error) => {
          assert.match(e.message, /images differ in size: .*a\.png is 28×28 but .*b\.png is 32×30 \(height×width\); pass `size`/);
          assert.ok(!e.message.includes('\n'));
          return true;
        },
      );

      const empty = join(dir, 'empty');
      mkdirSync(empty);
      writeFileSync(join(empty, 'readme.txt'), 'no images here');
      assert.throws(() => loadImageFolder(empty), /empty: no PNG or JPEG images found \(empty folder\)/);

      const broken = join(dir, 'broken');
      mkdirSync(broken);
      writePng(join(broken, 'a.png'), 2, 2, () => gray(0));
      writeFileSync(join(broken, 'b.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
      writeFileSync(join(broken, 'c.jpg'), Buffer.from('not a jpeg at all'));
      assert.throws(() => loadImageFolder(broken), /broken\/b\.png: cannot decode PNG image/);
      writePng(join(broken, 'b.png'), 2, 2, () => gray(0));
      assert.throws(() => loadImageFolder(broken), /broken\/c\.jpg: not a PNG or JPEG image/);

      const layout = join(dir, 'layout');
      mkdirSync(join(layout, 'cls'), { recursive: true });
      writePng(join(layout, 'top.png'), 2, 2, () => gray(0));
      assert.throws(() => loadImageFolder(layout), /mixes images \(top\.png\) and sub-folders \(cls\/\)/);

      const emptyClass = join(dir, 'emptyclass');
      mkdirSync(join(emptyClass, 'a'), { recursive: true });
      mkdirSync(join(emptyClass, 'b'));
      writePng(join(emptyClass, 'a', 'x.png'), 2, 2, () => gray(0));
      assert.throws(() => loadImageFolder(emptyClass), /emptyclass\/b: class folder holds no PNG or JPEG images/);

      assert.throws(() => loadImageFolder(join(dir, 'nope')), /nope: cannot read image folder \(ENOENT/);
      assert.throws(() => loadImageFolder(mixed, { channels: 2 as 1 }), /channels: expected 1 or 3, got 2/);
    } finally {
      cleanup();
    }
  });
});
