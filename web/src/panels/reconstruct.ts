/**
 * Reconstruct: pick a test image; the encoder runs in the page (its mean: zero noise), then the
 * decoder, and the two images are shown side by side with their mean squared pixel error.
 */
import { drawGrid, drawImage, gridIndexAt, type GridGeometry } from '../draw.js';
import { $, Live, type Page } from '../page.js';

/** Wires the Reconstruct panel; `testImages` are explorer.json's images as floats. Returns its first render. */
export function setupReconstruct(page: Page, testImages: Float32Array): () => void {
  const { model, data } = page;
  const [H, W] = model.inputShape;
  const per = model.inputShape[0] * model.inputShape[1] * model.inputShape[2];
  const nImages = data.images.count;
  const gallery = $<HTMLCanvasElement>('recon-gallery');
  const live = new Live();
  let selected = 0;
  const placeSelection = () => {
    const box = $('gallery-sel');
    const s = geometry.scale;
    box.style.left = `${(selected % geometry.columns) * geometry.cellW * s - 2}px`;
    box.style.top = `${Math.floor(selected / geometry.columns) * geometry.cellH * s - 2}px`;
    box.style.width = `${W * s + 4}px`;
    box.style.height = `${H * s + 4}px`;
  };
  const render = () =>
    live.request(async () => {
      const x = testImages.slice(selected * per, (selected + 1) * per);
      const l = data.images.labels?.[selected] ?? 0;
      const labels = page.labels(1, l);
      const { mean } = await model.encode(x, undefined, labels);
      const xHat = await model.decode(mean, labels);
      drawImage($<HTMLCanvasElement>('recon-original'), x, model.inputShape, page.bigScale);
      drawImage($<HTMLCanvasElement>('recon-output'), xHat, model.inputShape, page.bigScale);
      // The error of what is shown: the decoder's output clipped to [0, 1], as drawn.
      let se = 0;
      for (let i = 0; i < per; i++) se += (Math.min(1, Math.max(0, xHat[i])) - x[i]) ** 2;
      $('recon-caption').textContent = `test image #${data.images.indices[selected]}${data.images.labels ? ` · ${page.className(l)}` : ''}`;
      $('recon-error').textContent = `reconstruction · MSE ${(se / per).toFixed(4)}`;
      placeSelection();
    });
  gallery.addEventListener('click', (e) => {
    const k = gridIndexAt(gallery, geometry, nImages, e);
    if (k < 0) return;
    selected = k;
    placeSelection();
    render();
  });
  const geometry: GridGeometry = drawGrid(gallery, testImages, nImages, model.inputShape, { columns: Math.max(1, Math.min(nImages, Math.floor(560 / (W + 1)))), scale: 1 });
  return render;
}
