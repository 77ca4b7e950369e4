/**
 * Small helpers shared by the CLI commands: flag parsers that fail with one clear line, and the
 * error type for mistakes the user can fix (printed without a stack trace).
 */
import { InvalidArgumentError } from 'commander';

/** A mistake in the command line or the data the user pointed at. */
export class UserError extends Error {}

/** Parses an integer flag within [min, max]. */
export function int(name: string, min = 1, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} expects an integer${max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ` ≥ ${min}`}, got '${v}'.`);
    return n;
  };
}

/** Parses a number flag within [min, max]. */
export function num(name: string, min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} expects a number${Number.isFinite(min) ? ` ≥ ${min}` : ''}${Number.isFinite(max) ? ` ≤ ${max}` : ''}, got '${v}'.`);
    return n;
  };
}

/** Parses a comma-separated list of integers ≥ 0, e.g. `1,3,7`. */
export function intList(name: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim());
    if (!parts.length || parts.some((p) => !/^\d+$/.test(p))) throw new InvalidArgumentError(`${name} expects integers separated by commas (e.g. 1,3,7), got '${v}'.`);
    return parts.map(Number);
  };
}

/** Parses one of a fixed set of words. */
export function oneOf<T extends string>(name: string, choices: readonly T[]) {
  return (v: string): T => {
    if (!choices.includes(v as T)) throw new InvalidArgumentError(`${name} expects one of ${choices.join(', ')}, got '${v}'.`);
    return v as T;
  };
}

/** `12.3 s`, `4 min 05 s`, `1 h 02 min`. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
