/**
 * Small helpers shared by the CLI commands: flag parsers that fail with one clear line, and the
 * error type for mistakes the user can fix (printed without a stack trace).
 */
import { InvalidArgumentError } from 'commander';
import { parseIntArg, parseNumberArg, parseOneOfArg } from '../util/check.js';

/** A mistake in the command line or the data the user pointed at. */
export class UserError extends Error {}

/** Runs a check of `util/check.ts` as a Commander flag parser (Commander prints the one line). */
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

/** Parses a comma-separated list of integers ≥ 0, e.g. `1,3,7`, of at most `max` entries. */
export function intList(name: string, max = Infinity) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`${name} expects integers separated by commas (e.g. 1,3,7), got '${v}'.`);
    if (parts.length > max) throw new InvalidArgumentError(`${name} expects at most ${max} entries (the limit of one picture), got ${parts.length}.`);
    return parts.map(Number);
  };
}

/** Parses a comma-separated list of at most `max` entries, each with `item`. */
export function listOf<T>(name: string, item: (v: string) => T, max: number) {
  return (v: string): T[] => {
    const parts = v.split(',');
    if (parts.length > max) throw new InvalidArgumentError(`${name} expects at most ${max} entries (the limit of one picture), got ${parts.length}.`);
    return parts.map(item);
  };
}

/** Parses one of a fixed set of words. */
export function oneOf<T extends string>(name: string, choices: readonly T[]) {
  return flag((v) => parseOneOfArg(name, v, choices));
}

/** `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
