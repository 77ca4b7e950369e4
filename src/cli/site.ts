/**
 * `vaekit site RUN --out DIR`: the explorer of a run as a static folder for any static web host
 * (no vaekit server): the page, onnxruntime-web's files, the run's files and a README.txt.
 */
import type { Command } from 'commander';
import { buildSite, loadDataSource } from '../index.js';
import { runDir } from './util.js';

/** Registers `site` on the program. */
export function siteCommand(program: Command): void {
  program
    .command('site <run>')
    .description('write the explorer of a run as a static folder that works from any static web host, with no vaekit server')
    .requiredOption('-o, --out <dir>', 'folder to write (new or empty)')
    .option('--overwrite', 'replace the earlier vaekit site --out holds')
    .option('-d, --data <source>', "data for the map, class means and test images (default: the run's data set, test split)")
    .action(async (run: string, f: { out: string; overwrite?: boolean; data?: string }) => {
      let data;
      if (f.data !== undefined) {
        const { train, test } = loadDataSource(f.data);
        data = test ?? train;
      }
      const r = await buildSite(runDir(run), f.out, { overwrite: f.overwrite, data, log: (line) => console.log(line) });
      console.log(
        `wrote ${r.dir}/ (${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB): put it on any static web host; to try it here: python3 -m http.server -d ${r.dir} 8000 (see ${r.dir}/README.txt)`,
      );
    });
}
