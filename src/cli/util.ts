/**
 * Small helpers shared by the CLI commands: the library's argument checks (src/util/check.ts,
 * through the public API) as Commander flag parsers, which fail with one clear line.
 */
import { InvalidArgumentError } from 'commander';
import { parseIntArg, parseListArg, parseNumberArg, parseOneOfArg, resolveRunArgument } from '../index.js';

/** Runs a check of the library as a Commander flag parser (Commander prints the one line). */
function flag<T>(parse: (v: string) => T): (v: string) => T {
  return (v: string) => {
    try {
      return parse(v);
    } catch (e) {
      throw new InvalidArgumentError(`${(e as Error).message}.`);
    }
  };
}

/** Parses an integer flag within [min, max]. */
export function int(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return flag((v) => parseIntArg(name, v, min, max));
}

/** Parses a number flag within [min, max]. */
export function num(name: string, min = -Infinity, max = Infinity) {
  return flag((v) => parseNumberArg(name, v, { min, max }));
}

/** Parses one of a fixed set of words. */
export function oneOf<T extends string>(name: string, choices: readonly T[]) {
  return flag((v) => parseOneOfArg(name, v, choices));
}

/** Why the picture flags' lists have a limit. */
const ONE_PICTURE = 'the limit of one picture';

/** Parses a comma-separated list of integers ≥ 0, e.g. `1,3,7`, of at most `max` entries. */
export function intList(name: string, max = Infinity) {
  return flag((v) => parseListArg(name, v, (p) => parseIntArg(name, p, 0), { max, why: ONE_PICTURE }));
}

/** Parses a comma-separated list of numbers of `min` to `max` entries. */
export function numList(name: string, min: number, max: number, why = ONE_PICTURE) {
  return flag((v) => parseListArg(name, v, (p) => parseNumberArg(name, p), { min, max, why }));
}

/** `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * A command's run argument as a run folder: `RUN.zip` is unpacked into `RUN/` beside it (or
 * reused when `RUN/` already holds its files), with one line saying so; a folder is itself.
 */
export function runDir(arg: string): string {
  const r = resolveRunArgument(arg);
  if (r.note) console.log(r.note);
  return r.dir;
}
