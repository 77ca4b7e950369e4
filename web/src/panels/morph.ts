/**
 * Morph: a strip of images along the path between two class means (the library's `morph`) or
 * two test images' encoder means (`interpolate`), linear or spherical; the t slider decodes the
 * point `pathPoint` gives, with the class of the nearer end (`nearerEnd`), as the strip does.
 */
import { interpolate, morph, nearerEnd, pathPoint, type ClassMeans, type InterpolationMethod } from '../../../src/tools/latent.js';
import { drawGrid, drawImage } from '../draw.js';
import { $, Live, option, type Page } from '../page.js';

const STEPS = 10;

/** explorer.json's class means as the library's {@link ClassMeans} (NaN rows for classes without images). */
function classMeansOf(page: Page): ClassMeans | null {
  const cm = page.data.classMeans;
  if (!cm) return null;
  const L = page.model.latentDim;
  const means = new Float32Array(cm.means.length * L).fill(NaN);
  cm.means.forEach((m, k) => m && means.set(m, k * L));
  return { means, counts: Int32Array.from(cm.counts), numClasses: cm.means.length, latentDim: L };
}

/** Wires the Morph panel; `testImages` are explorer.json's images as floats. Returns its first render. */
export function setupMorph(page: Page, testImages: Float32Array): () => void {
  const { model, data } = page;
  const L = model.latentDim;
  const per = model.inputShape[0] * model.inputShape[1] * model.inputShape[2];
  const nImages = data.images.count;
  const imageLabel = (i: number) => data.images.labels?.[i] ?? 0;
  const mode = $<HTMLSelectElement>('morph-mode');
  const from = $<HTMLSelectElement>('morph-from');
  const to = $<HTMLSelectElement>('morph-to');
  const method = $<HTMLSelectElement>('morph-method');
  const tSlider = $<HTMLInputElement>('morph-t');
  const live = new Live();
  const means = classMeansOf(page);
  const classesWithMeans = (data.classMeans?.means ?? []).flatMap((m, k) => (m ? [k] : []));
  if (classesWithMeans.length < 2) {
    mode.value = 'images';
    mode.querySelector('option[value="classes"]')!.remove();
  }
  const fillEnds = () => {
    from.replaceChildren();
    to.replaceChildren();
    if (mode.value === 'classes') {
      for (const k of classesWithMeans) {
        from.append(option(String(k), page.className(k)));
        to.append(option(String(k), page.className(k)));
      }
      const a = classesWithMeans.includes(1) && classesWithMeans.includes(7) ? 1 : classesWithMeans[0];
      from.value = String(a);
      to.value = String(a === 1 ? 7 : classesWithMeans[1]);
    } else {
      for (let i = 0; i < nImages; i++) {
        const text = `#${data.images.indices[i]}${data.images.labels ? ` (${page.className(imageLabel(i))})` : ''}`;
        from.append(option(String(i), text));
        to.append(option(String(i), text));
      }
      from.value = '0';
      to.value = String(Math.min(1, nImages - 1));
    }
  };
  const pathMethod = (): InterpolationMethod => (method.value === 'slerp' ? 'slerp' : 'linear');
  /** The two ends of the path and their classes (what a conditional model decodes each end with). */
  let ends: { a: Float32Array; b: Float32Array; la: number; lb: number } | null = null;
  const decodeAt = async (t: number) => {
    const e = ends!;
    const image = await model.decode(pathPoint(e.a, e.b, t, pathMethod()), page.labels(1, nearerEnd(e.la, e.lb, t)));
    drawImage($<HTMLCanvasElement>('morph-image'), image, model.inputShape, page.bigScale);
  };
  const placeMarker = () => {
    const strip = $<HTMLCanvasElement>('morph-strip');
    const t = Number(tSlider.value);
    const w = strip.getBoundingClientRect().width || strip.width;
    const cell = w / STEPS;
    $('morph-marker').style.left = `${cell / 2 + t * (w - cell)}px`;
    $('morph-t-out').textContent = t.toFixed(2);
  };
  const renderPoint = () =>
    live.request(async () => {
      if (ends) await decodeAt(Number(tSlider.value));
    });
  const render = () =>
    live.request(async () => {
      const ia = Number(from.value);
      const ib = Number(to.value);
      let strip: Float32Array;
      if (mode.value === 'classes') {
        ends = { a: means!.means.slice(ia * L, (ia + 1) * L), b: means!.means.slice(ib * L, (ib + 1) * L), la: ia, lb: ib };
        strip = await morph(model, means!, ia, ib, STEPS, { method: pathMethod() });
      } else {
        const xa = testImages.slice(ia * per, (ia + 1) * per);
        const xb = testImages.slice(ib * per, (ib + 1) * per);
        const [la, lb] = [imageLabel(ia), imageLabel(ib)];
        const labels = page.labels(2);
        if (labels) labels.set([la, lb]);
        const { mean } = await model.encode(new Float32Array([...xa, ...xb]), undefined, labels);
        ends = { a: mean.slice(0, L), b: mean.slice(L), la, lb };
        strip = await interpolate(model, xa, xb, STEPS, { method: pathMethod(), labels });
      }
      drawGrid($<HTMLCanvasElement>('morph-strip'), strip, STEPS, model.inputShape, { columns: STEPS, scale: 2, maxWidth: 600 });
      placeMarker();
      await decodeAt(Number(tSlider.value));
    });
  mode.addEventListener('change', () => {
    fillEnds();
    render();
  });
  for (const el of [from, to, method]) el.addEventListener('change', render);
  tSlider.addEventListener('input', () => {
    placeMarker();
    renderPoint();
  });
  $<HTMLCanvasElement>('morph-strip').addEventListener('click', (e) => {
    const r = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
    const k = Math.max(0, Math.min(STEPS - 1, Math.floor(((e.clientX - r.left) / r.width) * STEPS)));
    tSlider.value = String(k / (STEPS - 1));
    placeMarker();
    renderPoint();
  });
  fillEnds();
  return render;
}
