/**
 * `vaekit train`: a thin shell over `trainRun` — flags in, a progress bar (or plain lines when
 * not on a terminal) and Keras-style epoch lines out, Ctrl-C stopping after the current step.
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import {
  checkDevice,
  configFromJSON,
  DEVICES,
  OBJECTIVES,
  PRESETS,
  trainRun,
  UserError,
  type Device,
  type EpochLog,
  type ObjectiveSpec,
  type PresetName,
  type VAEConfig,
  type VAEConfigJSON,
} from '../index.js';
import { duration, int, num, oneOf, runDir } from './util.js';

/** Reads a user-defined architecture from JSON; one line naming the file when it is not one. */
function readConfig(path: string): VAEConfig {
  let json: VAEConfigJSON;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as VAEConfigJSON;
  } catch (e) {
    throw new UserError(`--config ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not JSON (${(e as Error).message.split('\n')[0]})`}`);
  }
  try {
    return configFromJSON(json);
  } catch (e) {
    throw new UserError(`--config ${path}: ${(e as Error).message}`);
  }
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));

/** The Keras-like line printed after each epoch. */
export function epochLine(l: EpochLog): string {
  let s = `Epoch ${l.epoch}/${l.epochs} - ${duration(l.seconds)} - loss: ${fmt(l.loss)} - reconstruction: ${fmt(l.reconstruction)} - kl: ${fmt(l.kl)}`;
  if (l.val) s += ` - val_loss: ${fmt(l.val.loss)} - val_reconstruction: ${fmt(l.val.reconstruction)} - val_kl: ${fmt(l.val.kl)}`;
  return `${s} - ${Math.round(l.imagesPerSecond)} images/s`;
}

interface TrainFlags {
  preset?: PresetName;
  data?: string;
  out?: string;
  epochs?: number;
  batchSize?: number;
  limit?: number;
  seed?: number;
  beta?: number;
  objective?: 'elbo' | 'iwae';
  samples?: number;
  klWarmup?: number;
  validation?: number;
  trainOnTest?: boolean;
  resume?: boolean;
  overwrite?: boolean;
  size?: number;
  channels?: 1 | 3;
  labels?: string;
  config?: string;
  binarize?: boolean;
  device?: Device;
  stepsPerRun?: number;
}

/** The objective the flags name; --samples alone is refused (it means nothing to the ELBO). */
function objectiveOf(f: TrainFlags): ObjectiveSpec | undefined {
  if (f.samples !== undefined && f.objective !== 'iwae') throw new UserError('--samples: only --objective iwae draws several samples per image');
  if (f.objective === 'iwae') return { name: 'iwae', samples: f.samples ?? 5 };
  return f.objective === 'elbo' ? { name: 'elbo' } : undefined;
}

/** The --device flag's help, shared by train and evaluate. */
export const DEVICE_HELP = "where the model runs: cpu (default) or webgpu (onnxruntime-node's WebGPU execution provider: a GPU, on Linux through Vulkan); not recorded in the run";

/** Registers `train` on the program. */
export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model into a run folder (encoder.onnx, decoder.onnx, manifest.json, checkpoint, log)')
    .option(
      '-p, --preset <name>',
      `architecture and objective: ${Object.keys(PRESETS).join(', ')} (default lecture-conv; a resumed run keeps its own)`,
      oneOf('--preset', Object.keys(PRESETS) as PresetName[]),
    )
    .option('-d, --data <source>', "mnist, fashion-mnist, a folder of IDX files or images (labels = sub-folder names), or a .npy file (default: the preset's)")
    .option('-o, --out <dir>', 'run folder (default runs/<preset>)')
    .option('-e, --epochs <n>', "epochs (default: the preset's)", int('--epochs'))
    .option('-b, --batch-size <n>', "batch size (default: the preset's)", int('--batch-size'))
    .option('--limit <n>', 'use only the first n training images (test: n/6, at least 1,000)', int('--limit'))
    .option('--seed <n>', 'seed for weights, noise and shuffling (default 1)', int('--seed', 0))
    .option('--beta <b>', 'weight of the KL term (0: no latent loss)', num('--beta', 0))
    .option(
      '--objective <name>',
      "what training minimizes: elbo (reconstruction + β·KL) or iwae (Burda et al.'s importance-weighted bound; default: the preset's, elbo)",
      oneOf('--objective', OBJECTIVES),
    )
    .option('--samples <k>', 'importance samples per image for --objective iwae (default 5)', int('--samples', 1))
    .option('--kl-warmup <epochs>', 'raise β linearly from 0 over this many epochs (default 0)', int('--kl-warmup', 0))
    .option('--validation <n>', 'hold out the last n training images (or a fraction < 1) for validation', num('--validation', 0))
    .option('--train-on-test', 'also train on the test split (as keras.io does)')
    .option('--resume', 'continue the run in --out from its last complete epoch (--epochs N beyond its own extends it)')
    .option('--overwrite', 'replace the run --out holds, and its pictures')
    .option('--size <px>', 'resize folder images to px × px', int('--size'))
    .option('--channels <c>', 'folder images: 1 (grayscale) or 3 (RGB)', (v) => Number(oneOf('--channels', ['1', '3'])(v)) as 1 | 3)
    .option('--labels <file.npy>', 'labels for a .npy data source')
    .option('--config <file.json>', 'a user-defined architecture (the "architecture" object of a manifest.json) instead of a preset')
    .option('--binarize', 'train on dynamically binarized images (Bernoulli decoders, as Burda et al.)')
    .option('--device <name>', DEVICE_HELP, oneOf('--device', DEVICES))
    .option('--steps-per-run <n>', "training steps per call of the runtime, as Keras' steps_per_execution (default 8; same updates, fewer calls)", int('--steps-per-run'))
    .action(async (f: TrainFlags) => {
      if (f.config && f.preset) throw new UserError('--config and --preset: give one or the other');
      const config = f.config ? readConfig(f.config) : undefined;
      // Before the data loads: a device that cannot start says so at once, in one line.
      if (f.device) await checkDevice(f.device);
      const preset = config ? undefined : (f.preset ?? (f.resume ? undefined : 'lecture-conv'));
      // A zipped run resumes in the folder it unpacks into.
      const out = f.resume && f.out ? runDir(f.out) : (f.out ?? `runs/${preset ?? 'custom'}`);
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        controller.abort();
        stopBar();
        process.stderr.write('\nstopping after the steps under way; the last complete epoch stays in the run folder (Ctrl-C again to quit now)\n');
      };
      process.on('SIGINT', onSigint);
      const tty = process.stderr.isTTY === true;
      let bar: SingleBar | null = null;
      const stopBar = () => {
        bar?.stop();
        bar = null;
      };
      const started = performance.now();
      try {
        const r = await trainRun({
          out,
          preset,
          config,
          binarize: f.binarize,
          device: f.device,
          stepsPerRun: f.stepsPerRun,
          data: f.data,
          dataOptions: { limit: f.limit, size: f.size ? [f.size, f.size] : undefined, channels: f.channels, labels: f.labels },
          epochs: f.epochs,
          batchSize: f.batchSize,
          seed: f.seed,
          beta: f.beta,
          objective: objectiveOf(f),
          klWarmup: f.klWarmup,
          validation: f.validation === undefined ? undefined : f.validation === 0 ? null : f.validation,
          trainOnTest: f.trainOnTest,
          resume: f.resume,
          overwrite: f.overwrite,
          signal: controller.signal,
          onBatch: (p) => {
            if (!tty) return;
            if (!bar) {
              bar = new SingleBar({
                format: `Epoch ${p.epoch}/${p.epochs} {bar} {value}/{total} | loss {loss} | {ips} images/s | ETA {eta_formatted}`,
                hideCursor: true,
                clearOnComplete: true,
                stream: process.stderr,
              });
              bar.start(p.batches, 0, { loss: '-', ips: '-' });
            }
            bar.update(p.batch, { loss: fmt(p.metrics.loss), ips: Math.round(p.seen / Math.max(p.seconds, 1e-3)) });
          },
          onEpoch: (l) => {
            stopBar();
            console.log(epochLine(l));
          },
        });
        if (r.repaired) console.warn(`vaekit: note: ${r.repaired}`);
        if (r.alreadyFinished) {
          const t = r.manifest.training;
          console.log(`${out} is finished (${t.epochsDone} of ${t.epochs} epochs, evaluated); nothing to do (--epochs N with N > ${t.epochsDone} trains it further)`);
          await r.vae.dispose();
          return;
        }
        if (r.stopped || controller.signal.aborted) {
          console.log(r.stopped ? `stopped; ${out} holds epoch ${r.history.at(-1)?.epoch ?? 0} (continue with --resume)` : `stopped after the last epoch; ${out} is complete`);
          process.exitCode = 130;
          return;
        }
        if (r.test) console.log(`test (${r.manifest.dataset?.test} images): loss: ${fmt(r.test.loss)} - reconstruction: ${fmt(r.test.reconstruction)} - kl: ${fmt(r.test.kl)}`);
        if (r.diagnostics) {
          const d = r.diagnostics;
          const top = d.klPerDim
            .map((v, k) => [k, v] as const)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 10);
          const kl = r.vae.variational ? `; KL per dimension, largest: ${top.map(([k, v]) => `z${k} ${v.toFixed(2)}`).join(', ')}` : '';
          console.log(`latent: ${d.activeUnits} of ${d.klPerDim.length} units active (variance of the mean > 0.01)${kl}`);
          if (d.collapsed && r.vae.variational)
            console.warn(
              `warning: posterior collapse in ${d.klPerDim.length - d.activeUnits} of ${d.klPerDim.length} latent units (their posterior is the prior: they carry no information); a smaller latent size loses nothing, and --kl-warmup or a smaller --beta can wake them`,
            );
        }
        console.log(`wrote ${out}/ (encoder.onnx, decoder.onnx, manifest.json, checkpoint.bin, log.jsonl) in ${duration((performance.now() - started) / 1000)}`);
      } finally {
        stopBar();
        process.off('SIGINT', onSigint);
      }
    });
}
