/**
 * How the CLI reports a failure. The library names its options in backticks (`resume`,
 * `dataOptions.limit`); the CLI prints them as the flags that set them, from the one table
 * below. Mistakes the user can fix print as one line without a stack trace; a bug in vaekit
 * (an engine error such as reading a property of undefined) prints its stack, so that it can be
 * reported and fixed.
 */
import { UserError } from '../index.js';

/**
 * Library option name (as the library's messages name it, in backticks) → the flag that sets it.
 * A test checks that every flag here is an option of some command.
 */
export const FLAGS: Readonly<Record<string, string>> = {
  // trainRun
  resume: '--resume',
  overwrite: '--overwrite',
  preset: '--preset',
  config: '--config',
  data: '--data',
  seed: '--seed',
  epochs: '--epochs',
  batchSize: '--batch-size',
  beta: '--beta',
  klWarmup: '--kl-warmup',
  objective: '--objective',
  samples: '--samples',
  validation: '--validation',
  trainOnTest: '--train-on-test',
  binarize: '--binarize',
  device: '--device',
  'dataOptions.limit': '--limit',
  'dataOptions.labels': '--labels',
  'dataOptions.size': '--size',
  'dataOptions.channels': '--channels',
  // loadDataSource, runTestData
  limit: '--limit',
  labels: '--labels',
  size: '--size',
  channels: '--channels',
  // the figures
  label: '--label',
  axis: '--axis',
  // the explorer
  port: '--port',
  host: '--host',
};

/** `message` with each backticked library option name replaced by its flag (unknown names stay as they are). */
export function withFlags(message: string): string {
  return message.replace(/`([A-Za-z][\w.]*)`/g, (whole, name: string) => FLAGS[name] ?? whole);
}

/** Messages JavaScript engines give their own TypeErrors and RangeErrors (a bug, not a user mistake). */
const ENGINE_MESSAGE =
  /Cannot read properties of|Cannot set properties of|is not a function|is not iterable|is not a constructor|Cannot destructure|Cannot convert|before initialization|Assignment to constant|Invalid array length|Invalid typed array length|Maximum call stack size exceeded|Cannot mix BigInt|Reduce of empty array/;

/**
 * True for an error that is a bug in vaekit rather than a mistake the user can fix: a
 * ReferenceError or SyntaxError, a TypeError or RangeError the engine raised (not one of the
 * library's argument checks, which name the argument), or Node's refusal of an internal call
 * (`ERR_INVALID_ARG_TYPE` and the like). Everything else — `UserError`, the library's one-line
 * errors, file system errors — is the user's to fix.
 */
export function isInternalError(e: unknown): boolean {
  if (e instanceof UserError) return false;
  if (!(e instanceof Error)) return true;
  if (e instanceof ReferenceError || e instanceof SyntaxError || e instanceof EvalError) return true;
  if ((e instanceof TypeError || e instanceof RangeError) && ENGINE_MESSAGE.test(e.message)) return true;
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code.startsWith('ERR_');
}

/** Exit status of a bug in vaekit (sysexits' EX_SOFTWARE); a user error exits 1. */
export const INTERNAL_ERROR_EXIT = 70;

/**
 * Writes `e` to stderr and returns the exit status: one line (`vaekit: …`, options as flags) for
 * a user error; for a bug, the message, its stack and a request to report it. With
 * VAEKIT_DEBUG set, user errors show their stack too.
 */
export function reportError(e: unknown, write: (text: string) => void, debug = false): number {
  const message = e instanceof Error ? e.message : String(e);
  if (isInternalError(e)) {
    write(`vaekit: internal error: ${message}\n${e instanceof Error ? `${e.stack}\n` : ''}this is a bug in vaekit; please report it with the command that ran into it\n`);
    return INTERNAL_ERROR_EXIT;
  }
  write(`vaekit: ${withFlags(message.split('\n')[0])}\n`);
  if (debug && e instanceof Error) write(`${e.stack}\n`);
  return 1;
}
