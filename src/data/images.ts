/**
 * A folder of the user's own PNG/JPEG images as a {@link Dataset} (SPEC: "train on one's own
 * image dataset"). Two layouts:
 *
 *     folder/cat/001.png, folder/dog/002.jpg   → labelled; classes = sub-folder names, sorted
 *     folder/001.png, folder/002.png           → unlabelled
 *
 * Files are taken in sorted order (by code unit, not locale, so the order — and therefore a
 * seeded run — is the same on every machine). Pixels become floats in [0, 1]; alpha is
 * dropped. Images can be resized and converted to grayscale or RGB on the way in.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Dataset } from './dataset.js';
import { assembleImages, byCodeUnit, checkImageOptions, isImageName, MAX_IMAGE_SIDE, type DecodedImage, type ImageFolderOptions } from './pixels.js';
import { errorReason } from './util.js';

// The pixel rules live in the browser-safe pixels.ts; these names stay importable from here.
export { MAX_IMAGE_SIDE, resizeImage, type DecodedImage, type ImageFolderOptions, type ResizeMethod } from './pixels.js';

/**
 * Load a folder of PNG/JPEG images. Labels come from sub-folder names (sorted), or are null
 * when the images sit directly in the folder.
 * @throws Error (one line) for an empty folder, a folder mixing images and class sub-folders,
 *   an image that cannot be decoded (naming the file), or images of different sizes without
 *   `size` (naming two files and their sizes).
 */
export function loadImageFolder(dir: string, opts: ImageFolderOptions = {}): Dataset {
  checkImageOptions(opts);
  const { files, labels, labelNames } = listImages(dir);
  // One file decoded at a time: only the float pixels of the whole set are held.
  function* decoded() {
    for (const path of files) yield { path, image: decodeImage(path) };
  }
  return assembleImages(decoded(), files.length, { labels, labelNames }, { ...opts, name: basename(dir.replace(/[/\\]+$/, '')) || dir }, dir);
}

/**
 * The image files of a folder in load order, with labels when they sit in class sub-folders.
 * Hidden entries and files of other types are ignored.
 */
function listImages(dir: string): { files: string[]; labels: Int32Array | null; labelNames: string[] | null } {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => !e.startsWith('.'));
  } catch (e) {
    throw new Error(`${dir}: cannot read image folder (${errorReason(e)})`);
  }
  const subdirs: string[] = [];
  const files: string[] = [];
  for (const e of entries.sort(byCodeUnit)) {
    const p = join(dir, e);
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory(); // follows symlinks, unlike Dirent
    } catch (err) {
      throw new Error(`${p}: cannot read (${errorReason(err)})`);
    }
    if (isDir) subdirs.push(e);
    else if (isImageName(e)) files.push(p);
  }
  if (subdirs.length > 0 && files.length > 0) {
    throw new Error(`${dir}: mixes images (${basename(files[0])}) and sub-folders (${subdirs[0]}/); put all images in class sub-folders or none`);
  }
  if (subdirs.length === 0) {
    if (files.length === 0) throw new Error(`${dir}: no PNG or JPEG images found (empty folder)`);
    return { files, labels: null, labelNames: null };
  }
  const all: string[] = [];
  const labels: number[] = [];
  subdirs.forEach((cls, k) => {
    const classDir = join(dir, cls);
    const inClass = readdirSync(classDir)
      .filter((e) => !e.startsWith('.') && isImageName(e))
      .sort(byCodeUnit)
      .map((e) => join(classDir, e))
      .filter((p) => statSync(p).isFile());
    if (inClass.length === 0) throw new Error(`${classDir}: class folder holds no PNG or JPEG images`);
    for (const p of inClass) {
      all.push(p);
      labels.push(k);
    }
  });
  return { files: all, labels: Int32Array.from(labels), labelNames: subdirs };
}

/**
 * Decode a PNG or JPEG file to 8-bit RGBA; the format is taken from the file's magic bytes,
 * so a mis-named file still decodes.
 * @throws Error naming the file when it cannot be read or decoded.
 */
export function decodeImage(path: string): DecodedImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read image (${errorReason(e)})`);
  }
  const isPng = buf.length >= 8 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  // A header may claim any size: refuse what no training image is before a decoder allocates it.
  const claimed = isPng && buf.length >= 24 ? [buf.readUInt32BE(16), buf.readUInt32BE(20)] : isJpeg ? jpegSize(buf) : null;
  if (claimed && (claimed[0] > MAX_IMAGE_SIDE || claimed[1] > MAX_IMAGE_SIDE))
    throw new Error(`${path}: a ${claimed[0]} × ${claimed[1]} px image is larger than the limit of ${MAX_IMAGE_SIDE} px a side`);
  try {
    if (isPng) {
      // pngjs expands every colour type and bit depth (16-bit is rescaled) to 8-bit RGBA.
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (isJpeg) {
      const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    // The decoders' own TypeErrors and RangeErrors on damaged data say nothing to a user.
    const reason = e instanceof TypeError || e instanceof RangeError ? 'damaged or unsupported data' : errorReason(e);
    throw new Error(`${path}: cannot decode ${isPng ? 'PNG' : 'JPEG'} image (${reason})`);
  }
  throw new Error(`${path}: not a PNG or JPEG image (unrecognised file signature)`);
}

/** [width, height] from a JPEG's first start-of-frame marker, or null when none is found. */
function jpegSize(buf: Buffer): [number, number] | null {
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [buf.readUInt16BE(i + 7), buf.readUInt16BE(i + 5)];
    i += 2 + len;
  }
  return null;
}
