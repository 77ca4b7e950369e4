/**
 * File writing that never leaves a half-written file in place of a good one: write to a
 * temporary name in the same folder, flush it to the disk, then rename (atomic on POSIX file
 * systems). Errors name the file the caller asked for, never the temporary one.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** The temporary name `path` is written under by this process. */
export function tempName(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Temporary files (`NAME.tmp-PID`) in `dir` whose writer is no longer running. */
export function staleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => {
    const m = /\.tmp-(\d+)$/.exec(n);
    return m !== null && !isRunning(Number(m[1]));
  });
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false; // this process writes synchronously: none of its temps is in flight
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/*
 * Crash injection for tests: with VAEKIT_TEST_CRASH_AT=N in the environment the process kills
 * itself (SIGKILL, as a power cut or the OOM killer would) at its Nth file-system step — halfway
 * through writing a file, or just before a rename — so that tests can check the run folder after
 * a kill at every step of an epoch commit.
 */
const crashAt = Number(process.env.VAEKIT_TEST_CRASH_AT ?? 0);
let steps = 0;
function crashHere(): boolean {
  return crashAt > 0 && ++steps === crashAt;
}
function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL');
}

/** Writes `data` to `tmp` and flushes it to the disk (fsync). */
export function writeDurable(tmp: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(tmp, 'w');
  try {
    if (crashHere()) {
      writeSync(fd, bytes, 0, bytes.length >> 1);
      die();
    }
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Renames `from` to `to` (a test may inject a kill just before it). */
export function renameStep(from: string, to: string): void {
  if (crashHere()) die();
  renameSync(from, to);
}

/** Flushes a folder's entries (the renames in it) to the disk; a no-op where folders cannot be opened. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the renames are still atomic there.
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` through `path.tmp-<pid>`, an fsync and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempName(path);
  try {
    writeDurable(tmp, data);
    renameStep(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(writeError(path, e as NodeJS.ErrnoException));
  }
  fsyncDir(dirname(path));
}

/** One line about a failed write of `path` that never names the temporary file. */
function writeError(path: string, e: NodeJS.ErrnoException): string {
  const dir = dirname(path);
  if (e.code === 'ENOENT') return `${path}: cannot write: no such folder ${dir}`;
  if (e.code === 'ENOTDIR') return `${path}: cannot write: ${dir} is not a folder`;
  if (e.code === 'EISDIR' || isDirectory(path)) return `${path}: cannot write: it is a folder (give a file name)`;
  if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS') return `${path}: cannot write: permission denied in ${dir}`;
  if (e.code === 'ENOSPC') return `${path}: cannot write: no space left on the device`;
  return `${path}: cannot write (${e.code ?? (e.message ?? String(e)).replaceAll(basename(tempName(path)), basename(path))})`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
