/**
 * The user's own images in the page: files picked with a folder input or dropped onto the page
 * are decoded by the browser (createImageBitmap, then a canvas's RGBA pixels at native size) and
 * handed to the library's {@link datasetFromImages}, which applies the same layout, channel and
 * resizing rules as `vaekit train --data FOLDER` in Node. Nothing is uploaded.
 */
import type { Dataset } from '../../src/data/dataset.js';
import { datasetFromImages, isImageName, MAX_IMAGE_SIDE, type DecodedImage } from '../../src/data/pixels.js';

/** A file and its path inside the chosen folder ('root/class/x.png' or 'root/x.png'). */
export interface PickedFile {
  path: string;
  file: File;
}

/** The files of a `<input type=file webkitdirectory>` (paths from `webkitRelativePath`). */
export function pickedFiles(list: FileList): PickedFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/**
 * The files of a drop: dropped folders are walked (webkitGetAsEntry); a path starts with the
 * dropped item's name. Must be called in the drop handler (the items vanish after it returns).
 */
export async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry();
    // A file without an entry (a browser without the entries API, or a scripted drop) is taken as a loose file.
    const file = entry ? null : item.getAsFile();
    if (entry) entries.push(entry);
    else if (file) out.push({ path: file.name, file });
  }
  const walk = async (entry: FileSystemEntry, path: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in chunks (100 in Chromium) until it answers none.
      for (;;) {
        const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (chunk.length === 0) break;
        for (const e of chunk) await walk(e, `${path}/${e.name}`);
      }
    }
  };
  for (const e of entries) await walk(e, e.name);
  return out;
}

/**
 * Decodes the image files and makes the data set. Paths are relative to one folder when every
 * file sits in the same top folder (a picked or dropped folder, whose name names the data set);
 * else (loose files or several folders dropped) the dropped items themselves are the folder.
 * @throws Error (one line) naming a file the browser cannot decode, or what the library refuses.
 */
export async function imagesDataset(files: PickedFile[], size: [number, number]): Promise<Dataset> {
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  const oneRoot = tops.size === 1 && files.every((f) => f.path.includes('/'));
  const name = oneRoot ? [...tops][0] : 'images';
  const images: { path: string; image: DecodedImage }[] = [];
  for (const f of files) {
    const rel = oneRoot ? f.path.slice(f.path.indexOf('/') + 1) : f.path;
    // Hidden files and other types are skipped, as the library skips them.
    if (!isImageName(rel) || rel.split('/').some((p) => p.startsWith('.'))) continue;
    images.push({ path: rel, image: await decode(f) });
  }
  return datasetFromImages(images, { name, size });
}

/** RGBA pixels of one image file at its own size, without colour-space conversion. */
async function decode(f: PickedFile): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(f.file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${f.path}: cannot decode image (not a PNG or JPEG the browser reads)`);
  }
  try {
    const { width, height } = bitmap;
    if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) throw new Error(`${f.path}: a ${width} × ${height} px image is larger than the limit of ${MAX_IMAGE_SIDE} px a side`);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser gives no 2D canvas to read image pixels with');
    ctx.drawImage(bitmap, 0, 0);
    return { width, height, data: ctx.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}
