/**
 * Property-based fuzzing (fast-check) of every reader of user files: IDX, .npy, images (PNG,
 * JPEG), checkpoints, run manifests and `--config` JSON. Any input either loads or fails with one
 * clean error: an Error whose message is one line naming the file (or field), never an internal
 * crash ("Cannot read properties", "Invalid typed array length", …) and never a hang. Inputs are
 * valid files with random damage (flipped, overwritten, cut or appended bytes) and random bytes
 * after a valid magic, so that most of them reach past the first check.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, parseNpy, readIdxImages, readNpy } from '../../src/data/index.js';
import { decodeImage } from '../../src/data/images.js';
import { configFromJSON, configToJSON } from '../../src/models/config.js';
import { PRESETS } from '../../src/models/presets.js';
import { loadRun } from '../../src/run/run.js';
import { trainRun } from '../../src/run/train.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { idxBytes, npyBytes } from '../data/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'vaekit-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// A fixed seed keeps CI repeatable; VAEKIT_FUZZ_SEED / VAEKIT_FUZZ_RUNS explore further.
fc.configureGlobal({ seed: Number(process.env.VAEKIT_FUZZ_SEED ?? 9) });
const RUNS = Number(process.env.VAEKIT_FUZZ_RUNS ?? 150);
const run = join(dir, 'run');
before(async () => {
  await trainRun({ preset: 'medium-dense', out: run, data: 'mnist', dataOptions: { limit: 60 }, validation: null, epochs: 1, batchSize: 30 }).then((r) => r.vae.dispose());
});

/** Internal failures a user must never see. */
const INTERNAL =
  /Cannot read propert|Cannot convert|is not a function|is not iterable|Invalid typed array length|Invalid array length|out of (memory|range)|Maximum call stack|undefined|NaN|\[object /;

/** `f()` either succeeds or throws one clean line that contains `mention`. */
function loadsOrFailsCleanly(f: () => unknown, mention: string): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
    const m = e.message;
    assert.ok(m.length > 0 && !m.includes('\n'), `not one line: ${JSON.stringify(m)}`);
    assert.doesNotMatch(m, INTERNAL, `an internal error got through: ${m}`);
    assert.ok(m.includes(mention), `does not name ${mention}: ${m}`);
  }
}

/** A valid file with random damage: flipped or overwritten bytes, cut short, or grown. */
function damaged(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('grow' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let b = Uint8Array.from(valid);
    for (const e of edits) {
      if (e.kind === 'set') {
        const at = e.at % Math.max(1, b.length);
        b = Uint8Array.from(b);
        b.set(e.bytes.subarray(0, Math.max(0, b.length - at)), at);
      } else if (e.kind === 'cut') b = b.subarray(0, e.at % (b.length + 1));
      else b = Uint8Array.from([...b, ...e.bytes]);
    }
    return b;
  });
}

/** Random bytes behind a valid magic, or anything at all. */
function afterMagic(magic: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((tail) => Uint8Array.from([...magic, ...tail])),
  );
}

function fuzzBytes(valid: Uint8Array, magic: Uint8Array, check: (bytes: Uint8Array) => void, runs = RUNS): void {
  fc.assert(fc.property(fc.oneof(damaged(valid), afterMagic(magic)), check), { numRuns: runs });
}

test('IDX reader', () => {
  const images = idxBytes(
    IDX_IMAGES_MAGIC,
    [3, 4, 5],
    Uint8Array.from({ length: 60 }, (_, i) => i),
  );
  const labels = idxBytes(IDX_LABELS_MAGIC, [3], Uint8Array.of(1, 2, 3));
  const path = join(dir, 'x-idx3-ubyte');
  fuzzBytes(images, images.subarray(0, 4), (b) => {
    loadsOrFailsCleanly(() => parseIdx(b, 'x.idx', IDX_IMAGES_MAGIC), 'x.idx');
    writeFileSync(path, b);
    loadsOrFailsCleanly(() => readIdxImages(path, { limit: 2 }), path);
  });
  fuzzBytes(labels, labels.subarray(0, 4), (b) => loadsOrFailsCleanly(() => parseIdx(b, 'y.idx', IDX_LABELS_MAGIC), 'y.idx'));
});

test('.npy reader', () => {
  const valid = npyBytes('<f4', [2, 3, 3], new Uint8Array(Float32Array.from({ length: 18 }, (_, i) => i / 18).buffer));
  const path = join(dir, 'x.npy');
  fuzzBytes(valid, valid.subarray(0, 8), (b) => {
    loadsOrFailsCleanly(() => parseNpy(b, 'x.npy'), 'x.npy');
    writeFileSync(path, b);
    loadsOrFailsCleanly(() => readNpy(path), path);
  });
  // The header is a Python dict literal: damage inside it, not only around it.
  const header = (body: string) => npyBytes('<u1', [1], Uint8Array.of(0)).subarray(0, 10).toString('latin1') + body;
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (body) => loadsOrFailsCleanly(() => parseNpy(Buffer.from(header(body), 'latin1'), 'h.npy'), 'h.npy')),
    { numRuns: RUNS },
  );
});

test('image reader (PNG and JPEG)', () => {
  const png = new PNG({ width: 6, height: 5 });
  png.data.fill(200);
  const pngBytes = PNG.sync.write(png);
  const jpgBytes = jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 128), width: 8, height: 8 }, 80).data;
  const path = join(dir, 'x.png');
  const check = (b: Uint8Array) => {
    writeFileSync(path, b);
    loadsOrFailsCleanly(() => decodeImage(path), path);
  };
  fuzzBytes(pngBytes, pngBytes.subarray(0, 8), check);
  fuzzBytes(jpgBytes, jpgBytes.subarray(0, 3), check);
  // A well-formed header that claims an enormous picture is refused before it is allocated.
  const huge = Buffer.from(pngBytes);
  huge.writeUInt32BE(100_000, 16);
  huge.writeUInt32BE(100_000, 20);
  writeFileSync(path, huge);
  assert.throws(() => decodeImage(path), /x\.png: .*100000 × 100000 px.*limit/);
});

test('checkpoint reader', () => {
  const valid = readFileSync(join(run, 'checkpoint.bin'));
  // Damage the header (the first few hundred bytes), where the structure is.
  const head = valid.subarray(0, 12 + valid.readUInt32LE(8));
  const path = join(dir, 'checkpoint.bin');
  fc.assert(
    fc.property(fc.oneof(damaged(head), afterMagic(head.subarray(0, 8))), (h) => {
      writeFileSync(path, Buffer.concat([h, valid.subarray(head.length)]));
      loadsOrFailsCleanly(() => readCheckpoint(path), path);
    }),
    { numRuns: RUNS },
  );
});

/** `obj` with the value at a random path replaced by a random JSON value. */
function mutatedJson(obj: unknown): fc.Arbitrary<unknown> {
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>) => {
    paths.push(p);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...p, Array.isArray(v) ? Number(k) : k]);
  };
  walk(obj, []);
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, -1, 0, 1e9, 'x', '', [], {}, true, 2.5));
  return fc.array(fc.tuple(fc.constantFrom(...paths), value), { minLength: 1, maxLength: 3 }).map((edits) => {
    let out = structuredClone(obj);
    for (const [p, v] of edits) {
      if (!p.length) {
        out = v;
        continue;
      }
      let cur = out as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) cur = (cur && typeof cur === 'object' ? cur[k] : undefined) as Record<string | number, unknown>;
      if (cur && typeof cur === 'object') cur[p.at(-1)!] = v;
    }
    return out;
  });
}

test('config reader (--config JSON)', () => {
  const valid = configToJSON(PRESETS['lecture-conv']([28, 28, 1]));
  fc.assert(
    fc.property(mutatedJson(valid), (j) =>
      loadsOrFailsCleanly(() => {
        try {
          configFromJSON(j as never);
        } catch (e) {
          assert.ok(e instanceof TypeError || e instanceof RangeError, `${(e as Error).name}: ${(e as Error).message}`);
          throw new Error(`config: ${(e as Error).message}`);
        }
      }, 'config'),
    ),
    { numRuns: RUNS },
  );
});

test('manifest reader (loading a run folder)', async () => {
  const valid = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
  const folder = join(dir, 'fuzzed-run');
  cpSync(run, folder, { recursive: true });
  const path = join(folder, 'manifest.json');
  const disposals: Array<Promise<void>> = [];
  fc.assert(
    fc.property(mutatedJson(valid), (m) => {
      writeFileSync(path, JSON.stringify(m));
      loadsOrFailsCleanly(() => disposals.push(loadRun(folder).vae.dispose()), folder);
    }),
    { numRuns: Math.ceil(RUNS / 3) },
  );
  fuzzBytes(
    Buffer.from(JSON.stringify(valid)),
    Buffer.from('{"format":"vaekit-run"'),
    (b) => {
      writeFileSync(path, b);
      loadsOrFailsCleanly(() => disposals.push(loadRun(folder).vae.dispose()), folder);
    },
    60,
  );
  await Promise.all(disposals);
});
