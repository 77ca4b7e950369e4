/**
 * `vaekit site RUN --out DIR`: the explorer of a run as a static folder for any static web host
 * (no vaekit server): the page, onnxruntime-web's files, the run's files and a README.txt.
 */
import type { Command } from 'commander';
import { buildSite, buildStudioSite, loadDataSource, UserError } from '../index.js';
import { int, runDir } from './util.js';

/** Registers `site` on the program. */
export function siteCommand(program: Command): void {
  program
    .command('site [run]')
    .description('write the explorer of a run (or, with --studio, the studio with a data sample) as a static folder that works from any static web host, with no vaekit server')
    .requiredOption('-o, --out <dir>', 'folder to write (new or empty)')
    .option('--overwrite', 'replace the earlier vaekit site --out holds')
    .option('-d, --data <source>', "data for the map, class means and test images (default: the run's data set, test split)")
    .option('--studio', 'the studio instead of a run: train in the browser on a sample of the installed data sets')
    .option('--sample <n>', 'with --studio: training images per data set (test images: a fifth)', int('--sample', 1, 60000), 5000)
    .action(async (run: string | undefined, f: { out: string; overwrite?: boolean; data?: string; studio?: boolean; sample: number }) => {
      if (f.studio) {
        if (run !== undefined) throw new UserError(`--studio takes no run (got ${run}): it writes the studio with a data sample`);
        const r = buildStudioSite(f.out, { overwrite: f.overwrite, sample: f.sample });
        console.log(
          `wrote ${r.dir}/ (${r.files} files, ${(r.bytes / 1e6).toFixed(1)} MB): put it on any static web host; to try it here: python3 -m http.server -d ${r.dir} 8000 (see ${r.dir}/README.txt)`,
        );
        return;
      }
      if (run === undefined) throw new UserError('site: give a run folder (or .zip), or --studio');
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
