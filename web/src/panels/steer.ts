/**
 * Steer: one slider per latent dimension (or per principal direction of the test-set means),
 * in standard deviations. The point is the library's `fromCoordinates` of the slider values;
 * jumping to a point (a class mean, a prior draw) reads the sliders back with `toCoordinates`,
 * keeping what lies outside their span (or beyond ±3) as an offset.
 */
import { drawPrior, fromCoordinates, toCoordinates } from '../../../src/tools/latent.js';
import { drawImage } from '../draw.js';
import { $, Live, option, type Page } from '../page.js';

const LIMIT = 3;

/** Wires the Steer panel; returns its first render. */
export function setupSteer(page: Page): () => void {
  const { model, manifest, data } = page;
  const L = model.latentDim;
  const sl = data.sliders;
  const nSliders = sl.directions.length;
  const live = new Live();
  // Slider k moves along directions[k] by scales[k] per unit (explorer.json's definition).
  const axes = sl.directions.map((d, k) => d.map((v) => v * sl.scales[k]));
  const values = new Float64Array(nSliders);
  let residual: Float32Array = new Float32Array(L);
  const inputs: HTMLInputElement[] = [];
  const outputs: HTMLOutputElement[] = [];
  $('steer-hint').textContent =
    sl.kind === 'pca'
      ? `${L} latent dimensions: the sliders move along the top ${nSliders} principal directions of the test-set means (in standard deviations).`
      : manifest.variational
        ? 'One slider per latent dimension, in units of the prior’s standard deviation.'
        : 'One slider per latent dimension, in standard deviations of the test codes.';
  const render = () =>
    live.request(async () => {
      // The residual rides along as one more axis with coordinate 1.
      const z = fromCoordinates(sl.centre, [...axes, residual], [...values, 1]);
      const image = await model.decode(z, page.labels(1));
      drawImage($<HTMLCanvasElement>('steer-image'), image, model.inputShape, page.bigScale);
    });
  for (let k = 0; k < nSliders; k++) {
    const row = document.createElement('label');
    row.className = 'slider';
    const name = document.createElement('span');
    name.textContent = sl.kind === 'pca' ? `PC${k + 1}` : `z${k}`;
    if (sl.kind === 'pca' && sl.explainedVariance) name.title = `${(100 * sl.explainedVariance[k]).toFixed(1)}% of the variance of the means`;
    const input = document.createElement('input');
    Object.assign(input, { type: 'range', min: String(-LIMIT), max: String(LIMIT), step: '0.01', value: '0' });
    input.dataset.testid = `slider-${k}`;
    const out = document.createElement('output');
    out.textContent = '0.00';
    input.addEventListener('input', () => {
      values[k] = Number(input.value);
      out.textContent = values[k].toFixed(2);
      render();
    });
    row.append(name, input, out);
    $('sliders').append(row);
    inputs.push(input);
    outputs.push(out);
  }
  /** Moves the sliders to the point z. */
  const steerTo = (z: ArrayLike<number>) => {
    const c = toCoordinates(z, sl.centre, axes, LIMIT);
    values.set(c.coords);
    residual = c.residual;
    c.coords.forEach((s, k) => {
      inputs[k].value = String(s);
      outputs[k].textContent = s.toFixed(2);
    });
    render();
  };
  const base = $<HTMLSelectElement>('steer-base');
  base.append(option('centre', manifest.variational && sl.kind === 'axes' ? 'the origin' : 'the centre of the codes'));
  data.classMeans?.means.forEach((m, k) => m && base.append(option(`class-${k}`, `mean of ${page.className(k)}`)));
  base.addEventListener('change', () => {
    const k = base.value.startsWith('class-') ? Number(base.value.slice(6)) : -1;
    steerTo(k >= 0 ? data.classMeans!.means[k]! : sl.centre);
  });
  $('steer-random').addEventListener('click', () => steerTo(drawPrior(L, 1, { rng: page.rng, fitted: page.fitted })));
  $('steer-reset').addEventListener('click', () => {
    base.value = 'centre';
    steerTo(sl.centre);
  });
  page.onLabel(render);
  return () => steerTo(sl.centre);
}
