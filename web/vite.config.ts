/**
 * Builds the explorer page (web/) into dist/web: one HTML file, one script, one style sheet.
 * onnxruntime-web's ESM builds (wasm, and WebGPU loaded on demand) are bundled in their "extern wasm" flavour, so the 14 MB wasm runtime
 * is not copied into the package a second time: `vaekit serve` sends it from the installed
 * onnxruntime-web at /ort/. The output references no external URL (checked after the build).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'dist', 'web');
const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm'));

/** Fails the build if any emitted file mentions an http(s) URL (a CDN, a font, a tracker). */
function offlineOnly(): Plugin {
  return {
    name: 'vaekit-offline-only',
    apply: 'build',
    // Two error messages in the bundle link documentation pages (onnxruntime-web's warning about
    // cross-origin isolation, the bundler's require shim); they are reworded without the link.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle))
        if (chunk.type === 'chunk') chunk.code = chunk.code.replace(/\bhttps:\/\/(web\.dev|rolldown\.rs)\/[^\s"'`)]*/g, (_u, host: string) => `the ${host} documentation`);
    },
    closeBundle() {
      for (const f of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!f.isFile()) continue;
        const path = join(f.parentPath, f.name);
        // Identifiers, never fetched: XML namespace names (http://www.w3.org/2000/svg) and JSON
        // Schema dialect names (zod's); zod also parses `http://[${address}]` to validate IPv6.
        const bad = [...readFileSync(path, 'utf8').matchAll(/\bhttps?:\/\/[^\s"'`)]+/g)]
          .map((m) => m[0])
          .filter((u) => !/^http:\/\/www\.w3\.org\/|^https?:\/\/json-schema\.org\//.test(u) && !u.includes('${'));
        if (bad.length) throw new Error(`${path} references an external URL: ${bad[0]}`);
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  resolve: {
    alias: [
      // ORT's "extern wasm" builds: the wasm files are served at /ort/, not inlined in the bundle.
      { find: /^onnxruntime-web\/wasm$/, replacement: join(ortDist, 'ort.wasm.min.mjs') },
      { find: /^onnxruntime-web\/webgpu$/, replacement: join(ortDist, 'ort.webgpu.min.mjs') },
      // The page always passes a web runtime; the engine's Node default is never reached here.
      { find: /^onnxruntime-node$/, replacement: join(here, 'src', 'no-node-runtime.ts') },
    ],
  },
  plugins: [offlineOnly()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1000,
  },
});
