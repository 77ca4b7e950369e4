/**
 * Commits of a run folder: all of an epoch's files change together or not at all, even when the
 * process is killed (or the power fails) at any instant.
 *
 * A commit (1) writes every changed file under a temporary name and fsyncs it, (2) writes the
 * manifest last, with a commit record naming the epoch and each file's size, SHA-256 and
 * temporary name, and renames it into place — the commit point — and fsyncs the folder, then
 * (3) renames the temporary files over the old ones and fsyncs the folder again.
 *
 * Opening a folder settles it: a kill before the commit point leaves the previous epoch in place
 * (its temporary files are garbage); a kill after it leaves the new epoch's files, each either in
 * place or under the temporary name the record gives, and opening completes the renames (rolls
 * forward). Temporary files of processes no longer running are removed. A file that matches
 * neither is refused with one line naming it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fsyncDir, renameStep, staleTempFiles, tempName, writeDurable } from '../util/files.js';
import { commitMismatch, type CommitRecord, type CommittedFile } from './files.js';

// The record's types and the rule a file is checked by are shared with the page (files.ts).
export type { CommitRecord, CommittedFile } from './files.js';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function fileBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/**
 * Commits `data` (file name → new contents) into `dir`, keeping the files named in `keep` as they
 * are (recorded by their current contents); `manifestText` turns the commit record into the
 * manifest's text, which is written last.
 */
export function commitFiles(
  dir: string,
  manifestName: string,
  epoch: number,
  data: Record<string, string | Uint8Array>,
  keep: readonly string[],
  manifestText: (record: CommitRecord) => string,
): void {
  const files: Record<string, CommittedFile> = {};
  const temps: string[] = [];
  try {
    for (const [name, contents] of Object.entries(data)) {
      const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
      const tmp = tempName(join(dir, name));
      temps.push(tmp);
      writeDurable(tmp, bytes);
      files[name] = { bytes: bytes.length, sha256: sha256(bytes), tmp: basename(tmp) };
    }
    for (const name of keep) {
      const bytes = fileBytes(join(dir, name));
      if (bytes) files[name] = { bytes: bytes.length, sha256: sha256(bytes), tmp: '' };
    }
    const manifestTmp = tempName(join(dir, manifestName));
    temps.push(manifestTmp);
    writeDurable(manifestTmp, manifestText({ epoch, files }));
    renameStep(manifestTmp, join(dir, manifestName)); // the commit point
  } catch (e) {
    for (const t of temps) rmSync(t, { force: true });
    throw new Error(`${join(dir, manifestName)}: cannot commit epoch ${epoch}: ${oneLine(e, temps)}`);
  }
  fsyncDir(dir);
  for (const name of Object.keys(data)) renameStep(join(dir, files[name].tmp), join(dir, name));
  fsyncDir(dir);
}

function oneLine(e: unknown, temps: string[]): string {
  let m = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  for (const t of temps) m = m.replaceAll(t, t.replace(/\.tmp-\d+$/, '')).replaceAll(basename(t), basename(t).replace(/\.tmp-\d+$/, ''));
  return m;
}

/** What opening a folder found: files it completed, and files that match the record in no form. */
export interface Settled {
  /** Files whose interrupted rename was completed (the commit is now whole). */
  rolledForward: string[];
  /** Stale temporary files removed. */
  removed: string[];
  /** File name → why it does not match the commit record. */
  mismatched: Map<string, string>;
}

/**
 * Settles a run folder against its manifest's commit record (or, with none, only removes stale
 * temporary files): completes an interrupted commit and reports files that match nothing.
 * A read-only folder that needs no repair is only read.
 */
export function settleFolder(dir: string, record: CommitRecord | null): Settled {
  const rolledForward: string[] = [];
  const mismatched = new Map<string, string>();
  for (const [name, want] of Object.entries(record?.files ?? {})) {
    const path = join(dir, name);
    const have = fileBytes(path);
    if (have && matches(have, want)) continue;
    const tmp = want.tmp ? join(dir, want.tmp) : '';
    const pending = tmp ? fileBytes(tmp) : null;
    if (pending && matches(pending, want)) {
      try {
        renameStep(tmp, path);
      } catch (e) {
        // Another process (the trainer itself) may have completed it meanwhile.
        const now = fileBytes(path);
        if (!now || !matches(now, want)) throw new Error(`${path}: cannot complete the interrupted commit of epoch ${record!.epoch}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
      rolledForward.push(name);
      continue;
    }
    if (!have) continue; // a missing file is reported by the loader, which knows what it is for
    mismatched.set(name, commitMismatch(have, want, sha256)!);
  }
  if (rolledForward.length) fsyncDir(dir);
  const removed: string[] = [];
  for (const name of staleTempFiles(dir)) {
    try {
      rmSync(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // A read-only folder keeps them; they are never read.
    }
  }
  return { rolledForward, removed, mismatched };
}

function matches(bytes: Uint8Array, want: CommittedFile): boolean {
  return commitMismatch(bytes, want, sha256) === null;
}

/** True when `dir` holds files of a run (committed or not). */
export function holdsFiles(dir: string, names: readonly string[]): boolean {
  return names.some((n) => existsSync(join(dir, n)) && statSync(join(dir, n)).isFile());
}
