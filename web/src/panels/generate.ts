/**
 * Generate: a batch of draws from the prior (for a plain autoencoder, from a Gaussian fitted to
 * its test codes), decoded together by the library's `samplePrior`. The draws come from a seed
 * that only Regenerate changes, so moving the temperature rescales the same draws.
 */
import { Rng } from '../../../src/rng.js';
import { samplePrior } from '../../../src/tools/latent.js';
import { drawGrid } from '../draw.js';
import { $, Live, type Page } from '../page.js';

const N_SAMPLES = 64;

/** Wires the Generate panel; returns its first render. */
export function setupGenerate(page: Page): () => void {
  const { model, manifest } = page;
  const live = new Live();
  const dist = $<HTMLSelectElement>('gen-dist');
  const temp = $<HTMLInputElement>('gen-temp');
  const range = $<HTMLInputElement>('gen-range');
  let seed = 0;
  const draw = () => {
    seed = page.rng.nextU32();
  };
  const render = () =>
    live.request(async () => {
      const { images } = await samplePrior(model, N_SAMPLES, {
        rng: new Rng(seed),
        distribution: dist.value === 'uniform' ? 'uniform' : 'gaussian',
        temperature: Number(temp.value),
        range: Number(range.value),
        labels: page.labels(1),
        fitted: page.fitted,
      });
      drawGrid($<HTMLCanvasElement>('gen-grid'), images, N_SAMPLES, model.inputShape, { columns: 8, scale: 2, maxWidth: 480 });
    });
  $('gen-button').addEventListener('click', () => {
    draw();
    render();
  });
  dist.addEventListener('change', () => {
    $('gen-range-box').hidden = dist.value !== 'uniform';
    draw();
    render();
  });
  temp.addEventListener('input', () => {
    $('gen-temp-out').textContent = Number(temp.value).toFixed(2);
    render();
  });
  range.addEventListener('input', () => {
    $('gen-range-out').textContent = Number(range.value).toFixed(1);
    render();
  });
  if (!manifest.variational) $('generate').querySelector('.hint')!.textContent = 'A plain autoencoder has no prior: draws from a Gaussian fitted to the test codes.';
  page.onLabel(render);
  return () => {
    draw();
    render();
  };
}
