/**
 * datasetFromImages (src/data/pixels.ts, browser-safe): decoded images with relative paths give
 * exactly the data set loadImageFolder gives for the same folder, with the same one-line errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeImage, loadImageFolder } from '../../src/data/images.js';
import { datasetFromImages, isImageName, type DecodedImage } from '../../src/data/pixels.js';
import { tempDir, writePng } from './helpers.js';

const img = (h: number, w: number, v: number): DecodedImage => ({ width: w, height: h, data: new Uint8Array(h * w * 4).fill(v) });

describe('datasetFromImages', () => {
  it('equals loadImageFolder on the same files, in any input order, resized and RGB', () => {
    const { dir, cleanup } = tempDir();
    try {
      // 'a-b' sorts before 'a' as a full path ('-' < '/') but after it as a folder name.
      for (const cls of ['a', 'a-b', 'Z']) mkdirSync(join(dir, cls));
      const files = ['a/2.png', 'a/10.png', 'a-b/x.png', 'Z/y.PNG', 'Z/b.png'];
      files.forEach((f, k) => writePng(join(dir, f), 30 + k, 32, (y, x) => [(y * 7 + k) % 256, (x * 5) % 256, (y + x) % 256]));
      writeFileSync(join(dir, 'a', 'notes.txt'), 'ignored');
      const node = loadImageFolder(dir, { size: [28, 28] });
      const shuffled = [...files].reverse().map((f) => ({ path: f, image: decodeImage(join(dir, f)) }));
      shuffled.push({ path: '.hidden/q.png', image: img(2, 2, 0) }, { path: 'a/deep/q.png', image: img(2, 2, 0) }, { path: 'a/notes.txt', image: img(2, 2, 0) });
      const page = datasetFromImages(shuffled, { name: node.name, size: [28, 28] });
      assert.deepEqual(page.labelNames, ['Z', 'a', 'a-b']);
      assert.deepEqual(page.labelNames, node.labelNames);
      assert.deepEqual(Array.from(page.labels!), Array.from(node.labels!));
      assert.deepEqual(page.shape, [28, 28, 3]);
      assert.deepEqual(page.shape, node.shape);
      assert.equal(page.count, 5);
      assert.equal(page.name, node.name);
      assert.deepEqual(page.images, node.images);
    } finally {
      cleanup();
    }
  });

  it('unlabelled without sub-folders; grayscale inferred; channels and resize options as in Node', () => {
    const flat = [
      { path: 'b.png', image: img(4, 4, 200) },
      { path: 'a.jpg', image: img(2, 2, 100) },
    ];
    const ds = datasetFromImages(flat, { name: 'mine', size: [2, 2] });
    assert.equal(ds.labels, null);
    assert.equal(ds.labelNames, null);
    assert.deepEqual(ds.shape, [2, 2, 1]);
    assert.deepEqual(Array.from(ds.images), [...Array(4).fill(Math.fround(100 / 255)), ...Array(4).fill(Math.fround(200 / 255))]);
    assert.deepEqual(datasetFromImages(flat, { name: 'mine', size: [2, 2], channels: 3 }).shape, [2, 2, 3]);
    assert.throws(() => datasetFromImages(flat, { name: 'mine', channels: 2 as 1 }), /^RangeError: channels: expected 1 or 3, got 2$/);
    assert.throws(() => datasetFromImages(flat, { name: 'mine', resize: 'cubic' as 'area' }), /resize: expected 'bilinear' or 'area', got "cubic"/);
  });

  it('one-line errors: sizes differ, mixed layout, a class without images, no images', () => {
    assert.throws(
      () =>
        datasetFromImages(
          [
            { path: 'a.png', image: img(28, 28, 0) },
            { path: 'b.png', image: img(32, 30, 0) },
          ],
          { name: 'mine' },
        ),
      /^Error: mine: images differ in size: a\.png is 28×28 but b\.png is 32×30 \(height×width\); pass `size`/,
    );
    assert.throws(
      () =>
        datasetFromImages(
          [
            { path: 'top.png', image: img(2, 2, 0) },
            { path: 'cls/x.png', image: img(2, 2, 0) },
          ],
          { name: 'mine' },
        ),
      /mine: mixes images \(top\.png\) and sub-folders \(cls\/\)/,
    );
    assert.throws(
      () =>
        datasetFromImages(
          [
            { path: 'a/x.png', image: img(2, 2, 0) },
            { path: 'b/notes.txt', image: img(2, 2, 0) },
          ],
          { name: 'mine' },
        ),
      /mine\/b: class folder holds no PNG or JPEG images/,
    );
    assert.throws(() => datasetFromImages([{ path: 'notes.txt', image: img(2, 2, 0) }], { name: 'mine' }), /mine: no PNG or JPEG images found/);
    assert.throws(() => datasetFromImages([], { name: 'mine' }), /mine: no PNG or JPEG images found/);
  });

  it('isImageName takes .png, .jpg, .jpeg in any case', () => {
    assert.deepEqual(['a.png', 'b.JPG', 'c.jpeg', 'd.gif', '.png', 'png', 'e.png.txt'].map(isImageName), [true, true, true, false, false, false, false]);
  });
});
