/**
 * File writing that never leaves a half-written file in place of a good one: write to a
 * temporary name in the same folder, then rename (atomic on POSIX file systems).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** Writes `data` to `path` through `path.tmp-<pid>` and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
