/**
 * The commands that use a trained run: evaluate, sample, reconstruct, interpolate, morph,
 * arithmetic, latent, manifold, report. Each loads the run folder, calls the library, and writes
 * its picture into the run folder (or where --out says).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  arithmeticPng,
  axisPng,
  classMeans,
  compareLatentSvg,
  evaluateDataset,
  FIGURE_DEFAULTS,
  interpolationPng,
  latentSvg,
  loadRun,
  logLikelihood,
  manifoldPng,
  morphPng,
  reconstructionsPng,
  runClass,
  runReport,
  runTestData,
  samplesByLabelPng,
  samplesPng,
  updateRunMetrics,
  UserError,
  writeFileAtomic,
  writeReport,
  type InterpolationMethod,
  checkDevice,
  DEVICES,
  type Device,
  type Run,
} from '../index.js';
import { DEVICE_HELP } from './train.js';
import { duration, int, intList, num, numList, oneOf, runDir } from './util.js';

function save(path: string, data: string | Uint8Array, what: string): void {
  writeFileAtomic(path, data);
  console.log(`wrote ${path} (${what})`);
}

/** Opens the run argument (a folder, or a .zip unpacked beside it) and runs `f` on it. */
async function withRun(arg: string, f: (run: Run) => Promise<void>, device?: Device): Promise<void> {
  // Before the run loads: a device that cannot start says so at once, in one line.
  if (device) await checkDevice(device);
  const run = loadRun(runDir(arg), { device });
  if (run.repaired) console.warn(`vaekit: note: ${run.repaired}`);
  try {
    await f(run);
  } finally {
    await run.vae.dispose();
  }
}

const D = FIGURE_DEFAULTS;

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
    .option('--device <name>', DEVICE_HELP, oneOf('--device', DEVICES))
    .action(async (dir: string, f: { data?: string; limit?: number; ll?: boolean; samples: number; binarize?: boolean; device?: Device }) =>
      withRun(
        dir,
        async (run) => {
          if (f.ll && run.vae.config.loss.reconstruction !== 'bce')
            throw new UserError(
              `--ll: needs a Bernoulli decoder (reconstruction 'bce'); this run's is '${run.vae.config.loss.reconstruction}', which defines no normalized likelihood`,
            );
          const ds = runTestData(run, { data: f.data, limit: f.limit });
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
            // Only the manifest changes: the ONNX files, checkpoint and log stay as they are.
            updateRunMetrics(run.dir, { logLikelihood: { nats: r.nats, stderr: r.stderr, k: r.k, count: r.count, binarized: f.binarize === true } });
          }
        },
        f.device,
      ),
    );

  program
    .command('sample <run>')
    .description('decode draws from the prior into a grid (Géron: 3 × 7)')
    .option('-n, --count <n>', 'images', int('--count', 1, 1000), D.samples.n)
    .option('--columns <n>', 'images per row', int('--columns', 1, 100), D.samples.columns)
    .option('--distribution <d>', 'gaussian (the prior, default) or uniform', oneOf('--distribution', ['gaussian', 'uniform'] as const))
    .option('--range <r>', "half-width of the uniform box (default: samplePrior's, 2)", num('--range', 0))
    .option('--temperature <t>', "scale of the draws (default: samplePrior's, 1)", num('--temperature', 0))
    .option('--label <class>', 'conditional models: the class to generate (number or name); "all" for one row per class')
    .option('--seed <n>', 'seed', int('--seed', 0), D.samples.seed)
    .option('-o, --out <file.png>', 'output (default RUN/samples.png)')
    .action(
      async (
        dir: string,
        f: { count: number; columns: number; distribution?: 'gaussian' | 'uniform'; range?: number; temperature?: number; label?: string; seed: number; out?: string },
      ) =>
        withRun(dir, async (run) => {
          const out = f.out ?? join(run.dir, 'samples.png');
          if (f.label === 'all') return save(out, await samplesByLabelPng(run.vae, f.columns, f.seed), 'one row per class');
          const label = f.label === undefined ? undefined : runClass(run, f.label, '--label');
          save(
            out,
            await samplesPng(run.vae, { n: f.count, columns: f.columns, distribution: f.distribution, range: f.range, temperature: f.temperature, seed: f.seed, label }),
            `${f.count} samples from the ${f.distribution ? `${f.distribution} ` : ''}prior`,
          );
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
        const ds = runTestData(run, { data: f.data });
        save(f.out ?? join(run.dir, 'reconstructions.png'), await reconstructionsPng(run.vae, ds, f.indices), `images ${f.indices.join(', ')}`);
      }),
    );

  program
    .command('interpolate <run>')
    .description('decode a path between two test images, or along one latent axis (--axis)')
    .option('--from <i>', 'first test image', int('--from', 0), 0)
    .option('--to <i>', 'second test image', int('--to', 0), 1)
    .option('--steps <n>', `images in the strip (default ${D.interpolation.steps}; ${D.axis.steps} with --axis)`, int('--steps', 2, 100))
    .option('--method <m>', 'linear or slerp (spherical)', oneOf('--method', ['linear', 'slerp'] as const), 'linear')
    .option('--axis <k>', 'sweep latent axis k with all other codings zero (Géron: 3)', int('--axis', 0))
    .option('--range <a,b>', `for --axis: from,to (default ${D.axis.from},${D.axis.to})`, numList('--range', 2, 2, 'from,to'))
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/interpolation.png or RUN/axis-K.png)')
    .action(async (dir: string, f: { from: number; to: number; steps?: number; method: InterpolationMethod; axis?: number; range?: number[]; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        if (f.axis !== undefined) {
          // Steps and range the user leaves out are axisPng's own defaults.
          const [from, to] = f.range ?? [undefined, undefined];
          const png = await axisPng(run.vae, f.axis, { from, to, steps: f.steps });
          return save(f.out ?? join(run.dir, `axis-${f.axis}.png`), png, `axis ${f.axis} from ${from ?? D.axis.from} to ${to ?? D.axis.to}`);
        }
        const ds = runTestData(run, { data: f.data });
        save(f.out ?? join(run.dir, 'interpolation.png'), await interpolationPng(run.vae, ds, f.from, f.to, f.steps, [f.method]), `${f.method} from image ${f.from} to ${f.to}`);
      }),
    );

  program
    .command('morph <run>')
    .description("the lecture's digit morphing: decode the path between two class-mean latent vectors")
    .requiredOption('--from <class>', 'start class (number or name)')
    .requiredOption('--to <class>', 'end class (number or name)')
    .option('--steps <n>', 'images in the strip', int('--steps', 2, 100), D.morph.steps)
    .option('--method <m>', 'linear or slerp', oneOf('--method', ['linear', 'slerp'] as const), 'linear')
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/morph-A-B.png)')
    .action(async (dir: string, f: { from: string; to: string; steps: number; method: InterpolationMethod; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = runTestData(run, { data: f.data });
        if (!ds.labels) throw new UserError(`morph: ${ds.name} has no labels, so there are no class means`);
        const a = runClass(run, f.from, '--from', ds.labelNames);
        const b = runClass(run, f.to, '--to', ds.labelNames);
        const means = await classMeans(run.vae, ds);
        save(f.out ?? join(run.dir, `morph-${a}-${b}.png`), await morphPng(run.vae, means, [[a, b]], f.steps, f.method), `class ${a} → ${b} through the class means`);
      }),
    );

  program
    .command('arithmetic <run>')
    .description("latent arithmetic: add (mean of class A − mean of class B) to an image's code")
    .requiredOption('--plus <class>', 'class A')
    .requiredOption('--minus <class>', 'class B')
    .option('--image <i>', 'test image', int('--image', 0), 0)
    .option('--scales <list>', 'multiples of the attribute vector', numList('--scales', 1, 100), [...D.arithmetic.scales])
    .option(...dataFlag)
    .option('-o, --out <file.png>', 'output (default RUN/arithmetic.png)')
    .action(async (dir: string, f: { plus: string; minus: string; image: number; scales: number[]; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = runTestData(run, { data: f.data });
        if (!ds.labels) throw new UserError(`arithmetic: ${ds.name} has no labels, so there are no class means`);
        const means = await classMeans(run.vae, ds);
        const a = runClass(run, f.plus, '--plus', ds.labelNames);
        const b = runClass(run, f.minus, '--minus', ds.labelNames);
        save(f.out ?? join(run.dir, 'arithmetic.png'), await arithmeticPng(run.vae, ds, means, f.image, a, b, f.scales), `image ${f.image} + s · (mean ${a} − mean ${b})`);
      }),
    );

  program
    .command('latent <run>')
    .description('scatter of the test-set means coloured by label (PCA above 2 dims); --compare puts another run beside it')
    .option('--compare <run2>', 'a second run (e.g. the plain autoencoder ae-2d) shown side by side')
    .option('--limit <n>', 'points', int('--limit'), D.latent.limit)
    .option(...dataFlag)
    .option('-o, --out <file.svg>', 'output (default RUN/latent.svg)')
    .action(async (dir: string, f: { compare?: string; limit: number; data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const ds = runTestData(run, { data: f.data });
        const name = (r: Run) => r.manifest.preset ?? r.dir;
        if (!f.compare) return save(f.out ?? join(run.dir, 'latent.svg'), await latentSvg(run.vae, ds, name(run), f.limit), `${Math.min(f.limit, ds.count)} test means`);
        await withRun(f.compare, async (other) =>
          save(
            f.out ?? join(run.dir, 'latent-compare.svg'),
            await compareLatentSvg({ model: other.vae, name: name(other) }, { model: run.vae, name: name(run) }, ds, f.limit),
            `${name(other)} beside ${name(run)}`,
          ),
        );
      }),
    );

  program
    .command('manifold <run>')
    .description('decode an n × n grid over a square of a 2-D latent space (keras.io: 30 × 30, ±1)')
    .option('-n, --size <n>', 'grid size', int('--size', 2, 100), D.manifold.n)
    .option('--range <r>', 'half-width of the square', num('--range', 0), D.manifold.range)
    .option('--label <class>', 'conditional models: the class')
    .option('-o, --out <file.png>', 'output (default RUN/manifold.png)')
    .action(async (dir: string, f: { size: number; range: number; label?: string; out?: string }) =>
      withRun(dir, async (run) => {
        if (run.vae.latentDim !== 2) throw new UserError(`manifold: needs a 2-D latent space, this run's has ${run.vae.latentDim} dimensions (try 'vaekit latent')`);
        const label = f.label === undefined ? undefined : runClass(run, f.label, '--label');
        save(f.out ?? join(run.dir, 'manifold.png'), await manifoldPng(run.vae, f.size, f.range, label), `${f.size} × ${f.size} over ±${f.range}`);
      }),
    );

  program
    .command('report <run>')
    .description('one self-contained HTML page: metrics, loss curves, samples, reconstructions, interpolations, morphs, latent plots')
    .option(...dataFlag)
    .option('-o, --out <file.html>', 'output (default RUN/report.html)')
    .action(async (dir: string, f: { data?: string; out?: string }) =>
      withRun(dir, async (run) => {
        const out = f.out ?? join(run.dir, 'report.html');
        await writeReport(out, await runReport(run, runTestData(run, { data: f.data })));
        console.log(`wrote ${out}`);
      }),
    );
}
