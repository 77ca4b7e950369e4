/**
 * One validation layer for everything a user hands vaekit: command-line flags, `--config` JSON
 * (through zod schemas built here) and library arguments. Every refusal is one line in one
 * wording — `NAME expects WHAT, got VALUE` — as a TypeError when the value is of the wrong kind
 * and a RangeError when it is of the right kind but out of range (or not one of the choices).
 */
import { z } from 'zod';

/** Bounds of a number: inclusive `min`/`max`, or exclusive `above`. */
export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. a scale must be > 0). */
  above?: number;
}

/** "an integer ≥ 1", "an integer in [2, 100]". */
export function describeInt(min = -Infinity, max = Infinity): string {
  if (Number.isFinite(min) && Number.isFinite(max) && max < Number.MAX_SAFE_INTEGER) return `an integer in [${min}, ${max}]`;
  if (Number.isFinite(min)) return `an integer ≥ ${min}`;
  if (Number.isFinite(max)) return `an integer ≤ ${max}`;
  return 'an integer';
}

/** "a number ≥ 0", "a number > 0", "a number in [0, 1]", "a number > 0 and ≤ 5". */
export function describeNumber(b: NumberBounds = {}): string {
  const lo = b.above !== undefined ? `> ${b.above}` : b.min !== undefined && Number.isFinite(b.min) ? `≥ ${b.min}` : '';
  const hi = b.max !== undefined && Number.isFinite(b.max) ? `≤ ${b.max}` : '';
  if (b.min !== undefined && Number.isFinite(b.min) && hi) return `a number in [${b.min}, ${b.max}]`;
  return ['a number', [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
}

/** "one of sse, bce". */
export function describeOneOf(choices: readonly string[]): string {
  return `one of ${choices.join(', ')}`;
}

/** A value as a refusal shows it: strings quoted, the rest as JSON (shortened). */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function refuse(kind: 'type' | 'range', name: string, expected: string, got: string): never {
  const message = `${name} expects ${expected}, got ${got}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** `v` as an integer in [min, max]; TypeError when it is no number, RangeError otherwise. */
export function expectInt(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  const what = describeInt(min, max);
  if (typeof v !== 'number' || Number.isNaN(v)) refuse('type', name, what, show(v));
  if (!Number.isInteger(v) || v < min || v > max) refuse('range', name, what, show(v));
  return v;
}

/** `v` as a finite number within `bounds`. */
export function expectNumber(name: string, v: unknown, bounds: NumberBounds = {}): number {
  const what = describeNumber(bounds);
  if (typeof v !== 'number' || Number.isNaN(v)) refuse('type', name, what, show(v));
  if (!inBounds(v, bounds)) refuse('range', name, what, show(v));
  return v;
}

/** `v` as one of `choices`. */
export function expectOneOf<T extends string>(name: string, v: unknown, choices: readonly T[]): T {
  const what = describeOneOf(choices);
  if (typeof v !== 'string') refuse('type', name, what, show(v));
  if (!choices.includes(v as T)) refuse('range', name, what, show(v));
  return v as T;
}

function inBounds(v: number, b: NumberBounds): boolean {
  return Number.isFinite(v) && (b.above === undefined || v > b.above) && (b.min === undefined || v >= b.min) && (b.max === undefined || v <= b.max);
}

/** A flag's integer, as typed: `--epochs expects an integer ≥ 1, got 'x'`. */
export function parseIntArg(name: string, text: string, min = -Infinity, max = Infinity): number {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text)) refuse(/^\s*-?[\d.e+]+\s*$/i.test(text) && Number.isFinite(n) ? 'range' : 'type', name, describeInt(min, max), `'${text}'`);
  if (n < min || n > max) refuse('range', name, describeInt(min, max), `'${text}'`);
  return n;
}

/** A flag's number, as typed: `--beta expects a number ≥ 0, got '-1'`. */
export function parseNumberArg(name: string, text: string, bounds: NumberBounds = {}): number {
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) refuse('type', name, describeNumber(bounds), `'${text}'`);
  if (!inBounds(n, bounds)) refuse('range', name, describeNumber(bounds), `'${text}'`);
  return n;
}

/** A flag's word out of `choices`, as typed: `--preset expects one of a, b, got 'c'`. */
export function parseOneOfArg<T extends string>(name: string, text: string, choices: readonly T[]): T {
  if (!choices.includes(text as T)) refuse('range', name, describeOneOf(choices), `'${text}'`);
  return text as T;
}

/** How many entries a list flag takes, and why (shown in the refusal). */
export interface ListBounds {
  min?: number;
  max?: number;
  /** Where the limit comes from, e.g. `the limit of one picture`. */
  why?: string;
}

/**
 * A flag's comma-separated list, each entry read by `item` (which refuses in its own words):
 * `--scales expects at most 100 entries (the limit of one picture), got 101`.
 */
export function parseListArg<T>(name: string, text: string, item: (entry: string) => T, bounds: ListBounds = {}): T[] {
  const { min = 1, max = Infinity, why } = bounds;
  const parts = text.split(',').map((s) => s.trim());
  const expected = min === max ? `${min} entries` : max === Infinity ? `at least ${min} entries` : min <= 1 ? `at most ${max} entries` : `${min} to ${max} entries`;
  if (parts.length < min || parts.length > max) refuse('range', name, `${expected}${why ? ` (${why})` : ''}`, String(parts.length));
  return parts.map(item);
}

// ---- zod schemas that refuse in the same words --------------------------------------------

/** A zod integer in [min, max] whose refusal reads like {@link expectInt}'s. */
export function zInt(min = -Infinity, max = Infinity) {
  const error = describeInt(min, max);
  let s = z.number({ error }).int({ error });
  if (Number.isFinite(min)) s = s.min(min, { error });
  if (Number.isFinite(max)) s = s.max(max, { error });
  return s;
}

/** A zod finite number within `bounds`. */
export function zNumber(bounds: NumberBounds = {}) {
  const error = describeNumber(bounds);
  let s = z.number({ error });
  if (bounds.above !== undefined) s = s.gt(bounds.above, { error });
  if (bounds.min !== undefined && Number.isFinite(bounds.min)) s = s.min(bounds.min, { error });
  if (bounds.max !== undefined && Number.isFinite(bounds.max)) s = s.max(bounds.max, { error });
  return s.refine(Number.isFinite, { error });
}

/** A zod word out of `choices`. */
export function zOneOf<T extends string>(choices: readonly [T, ...T[]]) {
  return z.enum(choices, { error: describeOneOf(choices) });
}

/** A zod boolean. */
export function zBool() {
  return z.boolean({ error: 'true or false' });
}

/**
 * Parses `value` with `schema`; the first problem becomes one line naming the field by its path
 * (`loss.beta`, `encoder[1].units`) after `prefix` (`root` names the value itself), what was
 * expected and what arrived.
 */
export function parseWith<S extends z.ZodType>(prefix: string, schema: S, value: unknown, root = 'the value'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.reduce<string>((a, k) => (typeof k === 'number' ? `${a}[${k}]` : a ? `${a}.${String(k)}` : String(k)), '');
  const name = path ? `${prefix}${path}` : root;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    throw new RangeError(`${prefix}${path ? `${path}: ` : ''}unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`);
  }
  const got = valueAt(value, issue.path);
  refuse(issue.code === 'invalid_type' ? 'type' : 'range', name, issue.message, show(got));
}

function valueAt(v: unknown, path: readonly PropertyKey[]): unknown {
  let cur = v;
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

// ---- labels of conditional models ---------------------------------------------------------
// One definition of "a conditional model needs labels, an unconditional one takes none", so
// that the library refuses the same mistake with the same error type and words everywhere:
// labels of the wrong kind (missing, or given to an unconditional model) are a TypeError,
// a wrong count or a class out of range a RangeError.

/** How many labels a call takes: exactly `n`, or (`broadcast`) 1 or `n` (one label repeated). */
export interface LabelCount {
  n: number;
  broadcast?: boolean;
}

/**
 * Checks the `labels` a call hands to a model with `numClasses` classes (null or 0: an
 * unconditional model). Returns them (one label repeated `n` times when `broadcast`), or
 * undefined for an unconditional model.
 * @throws TypeError when a conditional model gets no Int32Array, or an unconditional one gets labels.
 * @throws RangeError when the count is wrong or a class is outside [0, numClasses − 1].
 */
export function checkLabels(what: string, numClasses: number | null | undefined, labels: unknown, count: LabelCount): Int32Array | undefined {
  const { n, broadcast = false } = count;
  if (!numClasses) {
    if (labels !== undefined) throw new TypeError(`${what}: this model is not conditional; pass no labels`);
    return undefined;
  }
  const want = broadcast && n !== 1 ? `1 or ${n} labels` : n === 1 ? '1 label' : `${n} labels`;
  if (!(labels instanceof Int32Array)) throw new TypeError(`${what}: a conditional model needs an Int32Array of ${want}, got ${labels === undefined ? 'none' : show(labels)}`);
  if (labels.length !== n && !(broadcast && labels.length === 1)) throw new RangeError(`${what}: expected ${want}${broadcast ? '' : ' (one per image)'}, got ${labels.length}`);
  labels.forEach((l, i) => {
    if (!(l >= 0 && l < numClasses)) throw new RangeError(`${what}: expected labels in [0, ${numClasses - 1}], got ${l} at index ${i}`);
  });
  return labels.length === n ? labels : new Int32Array(n).fill(labels[0]);
}

/**
 * Whether a model with `numClasses` classes must be fed the labels of data set `ds`.
 * @throws TypeError when the model is conditional and the data set has no labels.
 */
export function checkLabelledData(what: string, numClasses: number | null | undefined, ds: { readonly name: string; readonly labels: Int32Array | null }): boolean {
  if (!numClasses) return false;
  if (!ds.labels) throw new TypeError(`${what}: a conditional model needs labels, data set '${ds.name}' has none`);
  return true;
}

/**
 * The class count of a model for what only a conditional model does (generating by label).
 * @throws TypeError when the model is not conditional.
 */
export function expectConditional(what: string, numClasses: number | null | undefined): number {
  if (!numClasses) throw new TypeError(`${what}: the model is not conditional; train a conditional model (preset cvae) to generate by label`);
  return numClasses;
}

// ---- user errors --------------------------------------------------------------------------

/**
 * A mistake the user can fix (a missing file, data that does not fit the model, contradictory
 * options), as opposed to a bug in vaekit. Its message is one line; front ends print it without
 * a stack trace.
 */
export class UserError extends Error {
  override name = 'UserError';
}
