/**
 * `vaekit serve RUN`: the latent-space explorer. Checks the run folder, computes the page's data
 * file once (RUN/explorer.json), then serves the page on 127.0.0.1 until Ctrl-C; the page
 * decodes (and can go on training) in the browser with onnxruntime-web, served from the
 * installed package. `vaekit studio`: the same page with no run, to train one from scratch.
 */
import type { Command } from 'commander';
import { loadDataSource, startExplorer, startStudio, type Explorer, type Dataset } from '../index.js';
import { int, runDir } from './util.js';

/** Registers `serve` on the program. */
export function serveCommand(program: Command): void {
  program
    .command('serve <run>')
    .description('the latent-space explorer: a local page that generates, steers, maps, morphs and reconstructs, decoding in the browser')
    .option('-p, --port <n>', 'port (0: any free port)', int('--port', 0, 65535), 8080)
    .option('--host <address>', 'address to bind (0.0.0.0 lets other machines connect)', '127.0.0.1')
    .option('-d, --data <source>', "data for the map, class means and test images (default: the run's data set, test split)")
    .action(async (dir: string, f: { port: number; host: string; data?: string }) => {
      let data;
      if (f.data !== undefined) {
        const { train, test } = loadDataSource(f.data);
        data = test ?? train;
      }
      await serveUntilStopped(runDir(dir), { host: f.host, port: f.port, data });
    });
  program
    .command('studio')
    .description('train a model in the browser: the explorer page with a Train panel and no run, on the installed data sets or your own images')
    .option('-p, --port <n>', 'port (0: any free port)', int('--port', 0, 65535), 8080)
    .option('--host <address>', 'address to bind (0.0.0.0 lets other machines connect)', '127.0.0.1')
    .action(async (f: { port: number; host: string }) => {
      await untilStopped(await startStudio({ host: f.host, port: f.port }), 'vaekit studio');
    });
}

/** Serves the explorer for a run folder until Ctrl-C or SIGTERM (also used by `vaekit import --serve`). */
export async function serveUntilStopped(dir: string, o: { host: string; port: number; data?: Dataset }): Promise<void> {
  await untilStopped(await startExplorer(dir, { ...o, log: (line) => console.log(line) }), 'vaekit explorer');
}

async function untilStopped(explorer: Explorer, what: string): Promise<void> {
  console.log(`${what}: ${explorer.url}`);
  console.log('press Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      explorer.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
