/**
 * A run as one .zip on the command line: every command that takes a run folder takes `RUN.zip`
 * too, unpacked once into the folder `RUN/` beside it. The zip is checked before anything is
 * written (its manifest, and each file against the manifest's commit record), unpacked into a
 * temporary folder and renamed into place, so a damaged zip leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fsyncDir, tempName, writeDurable } from '../util/files.js';
import { commitMismatches, parseManifest, RUN_FILES, unzipRun, type RunFiles } from './files.js';

/** A run argument resolved to a folder. */
export interface RunArgument {
  /** The run folder to open. */
  dir: string;
  /** One line to show when the argument was a zip: unpacked now, or reused from before. */
  note?: string;
}

const nodeSha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Resolves a command's run argument: a folder is itself; `RUN.zip` (a file) is unpacked into the
 * folder `RUN/` beside it, or, when that folder already holds the zip's files byte for byte,
 * reused. Throws one line naming the zip when it is damaged, holds no run, or `RUN/` holds
 * something else.
 */
export function resolveRunArgument(arg: string): RunArgument {
  if (!/\.zip$/i.test(arg) || (existsSync(arg) && statSync(arg).isDirectory())) return { dir: arg };
  if (!existsSync(arg)) throw new Error(`${arg}: no such file`);
  const files = checkedZip(arg);
  const dir = arg.slice(0, -'.zip'.length);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${arg}: cannot unpack into ${dir}: a file of that name exists`);
    if (sameFiles(dir, files)) return { dir, note: `using ${dir}/ (unpacked from ${arg} before)` };
    if (readdirSync(dir).length)
      throw new Error(`${arg}: ${dir}/ exists and holds a different run (or this one trained or evaluated further); give ${dir} itself, or move it away to unpack ${arg} again`);
    rmdirSync(dir); // an empty folder is replaced by the unpacked one
  }
  unpack(arg, dir, files);
  return { dir, note: `unpacked ${arg} into ${dir}/` };
}

/** The zip's run files, checked against the manifest's commit record (one line naming zip and file). */
function checkedZip(arg: string): RunFiles {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(arg);
  } catch (e) {
    throw new Error(`${arg}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const files = unzipRun(bytes, arg);
  const manifest = parseManifest(new TextDecoder().decode(files[RUN_FILES.manifest]), `${arg}: ${RUN_FILES.manifest}`);
  for (const name of Object.keys(manifest.commit?.files ?? {})) if (!files[name]) throw new Error(`${arg}: ${name}: missing (the manifest's commit record names it)`);
  const [name, why] = [...commitMismatches(files, manifest.commit, nodeSha256)][0] ?? [];
  if (name) throw new Error(`${arg}: ${name}: ${why}`);
  return files;
}

/** True when `dir` holds each of `files` byte for byte (other files, such as pictures, may be there too). */
function sameFiles(dir: string, files: RunFiles): boolean {
  return Object.entries(files).every(([name, bytes]) => {
    try {
      const have = readFileSync(`${dir}/${name}`);
      return have.length === bytes.length && Buffer.compare(have, bytes) === 0;
    } catch {
      return false;
    }
  });
}

/** Writes `files` into a temporary folder beside `dir` and renames it to `dir`: all or nothing. */
function unpack(arg: string, dir: string, files: RunFiles): void {
  const tmp = tempName(resolve(dir));
  try {
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp);
    for (const [name, bytes] of Object.entries(files)) writeDurable(`${tmp}/${name}`, bytes);
    fsyncDir(tmp);
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`${arg}: cannot unpack into ${dir}/ (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  fsyncDir(dirname(resolve(dir)));
}
