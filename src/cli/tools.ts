/**
 * The commands that use a trained run: evaluate, sample, reconstruct, interpolate, morph,
 * arithmetic, latent, manifold, report. Each loads the run folder, calls the library, and writes
 * its picture into the run folder (or where --out says).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Dataset } from '../data/index.js';
import { applicableOptions, loadDataSource, sourceOf } from '../data/source.js';
import { axisPng, arithmeticPng, compareLatentSvg, interpolationPng, latentSvg, manifoldPng, morphPng, reconstructionsPng, runReport, samplesByLabelPng, samplesPng } from '../run/figures.js';
import { loadRun, saveRun, type Run } from '../run/run.js';
import { classMeans, type InterpolationMethod } from '../tools/latent.js';
import { evaluateDataset, logLikelihood } from '../train/evaluate.js';
import { writeFileAtomic } from '../util/files.js';
import { writeReport } from '../viz/report.js';
import { duration, int, intList, listOf, num, oneOf, UserError } from './util.js';

/** The run's own test data (or training data when its source has no test split). */
function testData(run: Run, source?: string, limit?: number): Dataset {
  const src = source ?? sourceOf(run.manifest.dataset?.source ?? 'mnist');
  const options = source === undefined ? applicableOptions(src, run.manifest.dataset?.options ?? {}) : undefined;
  const { train, test } = loadDataSource(src, { ...options, limit: limit === undefined ? undefined : limit * 6 });
  const ds = test ?? train;
  if (ds.shape.join() !== run.vae.inputShape.join()) throw new UserError(`--data ${src}: images are ${ds.shape.join('×')}, the run expects ${run.vae.inputShape.join('×')}`);
  return limit === undefined || ds.count <= limit ? ds : { ...ds, images: ds.images.subarray(0, limit * ds.shape.reduce((a, b) => a * b, 1)), labels: ds.labels?.subarray(0, limit) ?? null, count: limit };
}

/** A class given by number or by name ('7', 'Sneaker'). */
function classIndex(run: Run, ds: Dataset, v: string, flag: string): number {
  const names = run.manifest.labelNames ?? ds.labelNames ?? [];
  const byName = names.findIndex((n) => n.toLowerCase() === v.toLowerCase());
  if (byName >= 0) return byName;
  const k = Number(v);
  if (/^\d+$/.test(v) && k < Math.max(names.length, run.vae.numClasses ?? 0)) return k;
  throw new UserError(`${flag}: expected a class number or one of ${names.join(', ') || '(the data has no labels)'}, got '${v}'`);
}

function save(path: string, data: string | Uint8Array, what: string): void {
  writeFileAtomic(path, data);
  console.log(`wrote ${path} (${what})`);
}

async function withRun(dir: string, f: (run: Run) => Promise<void>): Promise<void> {
  const run = loadRun(dir);
  if (run.repaired) console.warn(`vaekit: note: ${run.repaired}`);
  try {
    await f(run);
  } finally {
    await run.vae.dispose();
  }
}

/** Registers the run-using commands on the program. */
export function toolCommands(program: Command): void {
  const dataFlag = ['-d, --data <source>', "data to use (default: the run's data set, test split)"] as const;

  program
    .command('evaluate <run>')
    .description('test-set loss with the training definition, and for Bernoulli decoders an importance-sampled log p(x)')
    .option(...dataFlag)
    .option('--limit <n>', 'use only the first n test images', int('--limit'))
    .option('--ll', 'also estimate −log p(x) in nats by importance sampling (Burda et al. 2015)')
    .option('-k, --samples <k>', 'importance samples per image for --ll', int('--samples'), 5000)
    .option('--binarize', 'score dynamically binarized images (as Burda et al.)')
    .action(async (dir: string, f: { data?: string; limit?: number; ll?: boolean; samples: number; binarize?: boolean }) =>
      withRun(dir, async (run) => {
        if (f.ll && run.vae.config.loss.reconstruction !== 'bce')
          throw new UserError(`--ll: needs a Bernoulli decoder (reconstruction 'bce'); this run's is '${run.vae.config.loss.reconstruction}', which defines no normalized likelihood`);
        const ds = testData(run, f.data, f.limit);
        const m = await evaluateDataset(run.vae, ds);
        console.log(`${ds.name} (${m.count} images): loss ${m.loss.toFixed(4)} - reconstruction ${m.reconstruction.toFixed(4)} - kl ${m.kl.toFixed(4)}`);
        if (!f.ll) return;
        const t0 = performance.now();
        const tty = process.stderr.isTTY === true;
        const r = await logLikelihood(run.vae, ds, {
          k: f.samples,
          binarize: f.binarize,
          onProgress: (done, total) => {
            if (tty) process.stderr.write(`\rlog-likelihood: ${done}/${total} images, ${duration((performance.now() - t0) / 1000)}`);
          },
        });
        if (tty) process.stderr.write('\n');
        console.log(`−log p(x) ≈ ${r.nats.toFixed(2)} ± ${r.stderr.toFixed(2)} nats (k = ${r.k}, ${r.count} images${f.binarize ? ', binarized' : ''}, ${duration(r.seconds)})`);
        if (f.data === undefined && f.limit === undefined) {
          run.manifest.metrics.logLikelihood = { nats: r.nats, stderr: r.stderr, k: r.k, count: r.count, binarized: f.binarize === true };
          saveRun(run.dir, run.vae, run.manifest);
        }
      }),
    );

  program
    .command('sample <run>')
    .description('decode draws from the prior into a grid (Géron: 3 × 7)')
    .option('-n, --count <n>', 'images', int('--count', 1, 1000), 21)
    .option('--columns <n>', 'images per row', int('--columns', 1, 100), 7)
    .option('--distribution <d>', 'gaussian (the prior) or uniform', oneOf('--distribution', ['gaussian', 'uniform'] as const), 'gaussian')
    .option('--range <r>', 'half-width of the uniform box', num('--range', 0), 2)
    .option('--temperature <t>', 'scale of the draws', num('--temperature', 0), 1)
    .option('--label <class>', 'conditional models: the class to generate (number or name); "all" for one row per class')
    .option('--seed <n>', 'seed', int('--seed', 0), 1)
    .option('-o, --out <file.png>', 'output (default RUN/samples.png)')
    .action(async (dir: string, f: { count: number; columns: number; distribution: 'gaussian' | 'uniform'; range: number; temperature: number; label?: string; seed: number; out?: string }) =>
      withRun(dir, async (run) => {
        const out = f.out ?? join(dir, 'samples.png');
        if (f.label === 'all') {
          if (!run.vae.numClasses) throw new UserError('--label all: the model is not conditional');
          return save(out, await samplesByLabelPng(run.vae, f.columns, f.seed), 'one row per class');
        }
        if (f.label !== undefined && !run.vae.numClasses) throw new UserError('--label: the model is not conditional; train with --preset cvae to generate by label');
        const label = f.label === undefined ? undefined : classIndex(run, { labelNames: run.manifest.labelNames } as Dataset, f.label, '--label');
        save(out, await samplesPng(run.vae, { n: f.count, columns: f.columns, distribution: f.distribution, range: f.range, temperature: f.temperature, seed: f.seed, label }), `${f.count} samples, ${f.distribution} prior`);
      }),
    );

  program
    .command('reconstruct <run>')
    .description('test images (top) over their reconstructions (bottom); Medium: 1,3,7')
    .option('-i, --indices <list>', 'test image indices', intList('--indices', 100), [1, 3, 7])
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/reconstructions.png)')
    .action(async (dir: string, f: { indices: number[]; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = testData(run, f.data);
        save(f.out ?? join(dir, 'reconstructions.png'), await reconstructionsPng(run.vae, ds, f.indices), `images ${f.indices.join(', ')}`);
      }),
    );

  program
    .command('interpolate <run>')
    .description('decode a path between two test images, or along one latent axis (--axis)')
    .option('--from <i>', 'first test image', int('--from', 0), 0)
    .option('--to <i>', 'second test image', int('--to', 0), 1)
    .option('--steps <n>', 'images in the strip', int('--steps', 2, 100), 10)
    .option('--method <m>', 'linear or slerp (spherical)', oneOf('--method', ['linear', 'slerp'] as const), 'linear')
    .option('--axis <k>', "sweep latent axis k with all other codings zero (Géron: 3)", int('--axis', 0))
    .option('--range <a,b>', 'for --axis: from,to', (v) => v.split(',').map(num('--range')), [-0.8, 0.8])
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/interpolation.png or RUN/axis-K.png)')
    .action(async (dir: string, f: { from: number; to: number; steps: number; method: InterpolationMethod; axis?: number; range: number[]; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        if (f.axis !== undefined) {
          if (f.axis >= run.vae.latentDim) throw new UserError(`--axis: expected 0…${run.vae.latentDim - 1}, got ${f.axis}`);
          if (f.range.length !== 2) throw new UserError(`--range: expected two numbers from,to, got ${f.range.length}`);
          const steps = f.steps === 10 ? 7 : f.steps;
          return save(f.out ?? join(dir, `axis-${f.axis}.png`), await axisPng(run.vae, f.axis, { from: f.range[0], to: f.range[1], steps }), `axis ${f.axis} from ${f.range[0]} to ${f.range[1]}`);
        }
        const ds = testData(run, f.data);
        save(f.out ?? join(dir, 'interpolation.png'), await interpolationPng(run.vae, ds, f.from, f.to, f.steps, [f.method]), `${f.method} from image ${f.from} to ${f.to}`);
      }),
    );

  program
    .command('morph <run>')
    .description("the lecture's digit morphing: decode the path between two class-mean latent vectors")
    .requiredOption('--from <class>', 'start class (number or name)')
    .requiredOption('--to <class>', 'end class (number or name)')
    .option('--steps <n>', 'images in the strip', int('--steps', 2, 100), 10)
    .option('--method <m>', 'linear or slerp', oneOf('--method', ['linear', 'slerp'] as const), 'linear')
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/morph-A-B.png)')
    .action(async (dir: string, f: { from: string; to: string; steps: number; method: InterpolationMethod; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = testData(run, f.data);
        if (!ds.labels) throw new UserError(`morph: ${ds.name} has no labels, so there are no class means`);
        const a = classIndex(run, ds, f.from, '--from');
        const b = classIndex(run, ds, f.to, '--to');
        const means = await classMeans(run.vae, ds);
        save(f.out ?? join(dir, `morph-${a}-${b}.png`), await morphPng(run.vae, means, [[a, b]], f.steps, f.method), `class ${a} → ${b} through the class means`);
      }),
    );

  program
    .command('arithmetic <run>')
    .description('latent arithmetic: add (mean of class A − mean of class B) to an image\'s code')
    .requiredOption('--plus <class>', 'class A')
    .requiredOption('--minus <class>', 'class B')
    .option('--image <i>', 'test image', int('--image', 0), 0)
    .option('--scales <list>', 'multiples of the attribute vector', listOf('--scales', num('--scales'), 100), [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5])
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/arithmetic.png)')
    .action(async (dir: string, f: { plus: string; minus: string; image: number; scales: number[]; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = testData(run, f.data);
        if (!ds.labels) throw new UserError(`arithmetic: ${ds.name} has no labels, so there are no class means`);
        const means = await classMeans(run.vae, ds);
        const a = classIndex(run, ds, f.plus, '--plus');
        const b = classIndex(run, ds, f.minus, '--minus');
        save(f.out ?? join(dir, 'arithmetic.png'), await arithmeticPng(run.vae, ds, means, f.image, a, b, f.scales), `image ${f.image} + s · (mean ${a} − mean ${b})`);
      }),
    );

  program
    .command('latent <run>')
    .description('scatter of the test-set means coloured by label (PCA above 2 dims); --compare puts another run beside it')
    .option('--compare <run2>', 'a second run (e.g. the plain autoencoder ae-2d) shown side by side')
    .option('--limit <n>', 'points', int('--limit'), 5000)
    .option(...dataFlag)
    .option('-o, --out <file.svg>', 'output (default RUN/latent.svg)')
    .action(async (dir: string, f: { compare?: string; limit: number; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = testData(run, f.data);
        const name = (r: Run) => r.manifest.preset ?? r.dir;
        if (!f.compare) return save(f.out ?? join(dir, 'latent.svg'), await latentSvg(run.vae, ds, name(run), f.limit), `${Math.min(f.limit, ds.count)} test means`);
        await withRun(f.compare, async (other) =>
          save(f.out ?? join(dir, 'latent-compare.svg'), await compareLatentSvg({ model: other.vae, name: name(other) }, { model: run.vae, name: name(run) }, ds, f.limit), `${name(other)} beside ${name(run)}`),
        );
      }),
    );

  program
    .command('manifold <run>')
    .description('decode an n × n grid over a square of a 2-D latent space (keras.io: 30 × 30, ±1)')
    .option('-n, --size <n>', 'grid size', int('--size', 2, 100), 30)
    .option('--range <r>', 'half-width of the square', num('--range', 0), 1)
    .option('--label <class>', 'conditional models: the class')
    .option('-o, --out <file.png>', 'output (default RUN/manifold.png)')
    .action(async (dir: string, f: { size: number; range: number; label?: string; out?: string }) =>
      withRun(dir, async (run) => {
        if (run.vae.latentDim !== 2) throw new UserError(`manifold: needs a 2-D latent space, this run's has ${run.vae.latentDim} dimensions (try 'vaekit latent')`);
        const label = f.label === undefined ? undefined : classIndex(run, { labelNames: run.manifest.labelNames } as Dataset, f.label, '--label');
        save(f.out ?? join(dir, 'manifold.png'), await manifoldPng(run.vae, f.size, f.range, label), `${f.size} × ${f.size} over ±${f.range}`);
      }),
    );

  program
    .command('report <run>')
    .description('one self-contained HTML page: metrics, loss curves, samples, reconstructions, interpolations, morphs, latent plots')
    .option(...dataFlag)
    .option('-o, --out <file.html>', 'output (default RUN/report.html)')
    .action(async (dir: string, f: { data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const out = f.out ?? join(dir, 'report.html');
        await writeReport(out, await runReport(run, testData(run, f.data)));
        console.log(`wrote ${out}`);
      }),
    );
}
