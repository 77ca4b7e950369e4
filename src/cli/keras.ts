/**
 * `vaekit import` and `vaekit export-keras`: a thin shell over `importKerasRun` and
 * `exportKerasRun` (src/keras/).
 */
import type { Command } from 'commander';
import { exportKerasRun, importKerasRun } from '../index.js';
import { serveUntilStopped } from './serve.js';
import { int, runDir } from './util.js';

/** Registers `import` and `export-keras` on the program. */
export function kerasCommands(program: Command): void {
  program
    .command('import <encoder> <decoder>')
    .description('import a Keras encoder and decoder (.keras or legacy .h5, as encoder.save(...) writes them) into a new run folder')
    .requiredOption('-o, --out <dir>', 'run folder to create')
    .option('-d, --data <source>', 'the data the model belongs to: mnist, fashion-mnist, a folder of IDX files or images, or a .npy file', 'mnist')
    .option('--serve', 'then open the run in the latent-space explorer (as vaekit serve RUN)')
    .option('-p, --port <n>', 'explorer port with --serve (0: any free port)', int('--port', 0, 65535), 8080)
    .action(async (encoder: string, decoder: string, f: { out: string; data: string; serve?: boolean; port: number }) => {
      const r = await importKerasRun({ encoder, decoder, out: f.out, data: f.data });
      const m = r.manifest;
      console.log(
        `imported ${m.source.encoder.file} + ${m.source.decoder.file} (${m.inputShape.join('×')} → latent ${m.latentDim}, sampling: ${m.source.sampling}, ${r.vae.parameterCount} weights) into ${f.out}/`,
      );
      await r.vae.dispose();
      if (f.serve) await serveUntilStopped(f.out, { host: '127.0.0.1', port: f.port });
      else console.log(`explore it: vaekit serve ${f.out}; keep training (SSE + KL, Adam): vaekit train --resume --out ${f.out}`);
    });

  program
    .command('export-keras <run>')
    .description('write a run as encoder.keras and decoder.keras, which keras.models.load_model opens')
    .requiredOption('-o, --out <dir>', 'folder for the two .keras files')
    .action(async (run: string, f: { out: string }) => {
      const p = await exportKerasRun(runDir(run), f.out);
      console.log(`wrote ${p.encoder} (inputs [x, eps] → [z_mean, z_log_var, z]) and ${p.decoder} (z → image)`);
    });
}
