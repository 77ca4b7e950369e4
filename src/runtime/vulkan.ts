/**
 * Why onnxruntime-node's WebGPU execution provider cannot start on Linux, found before ONNX
 * Runtime tries: there WebGPU (Dawn) runs on Vulkan, which needs the Vulkan loader
 * (`libvulkan.so.1`, Debian's libvulkan1) and at least one Vulkan driver (an ICD manifest, such
 * as NVIDIA's nvidia_icd.json). Without either, ORT only says "No supported adapters" (and Dawn
 * prints warnings of its own), which names neither.
 *
 * No imports: a browser build that bundles the engine follows `runtime/node.ts`'s dynamic import
 * of this module, so it reaches Node only through `globalThis.process` (never present in a page,
 * where nothing calls this).
 */

/** What is missing for Vulkan on this machine, as the end of a sentence; null when nothing is known to be. */
export function vulkanProblem(env?: NodeJS.ProcessEnv): string | null {
  const proc = globalThis.process;
  if (proc?.platform !== 'linux') return null; // Dawn uses D3D12 on Windows and Metal on macOS.
  env ??= proc.env;
  if (!loaderLoads(proc)) return 'libvulkan1 is not installed (WebGPU runs on Vulkan here and needs its loader, libvulkan.so.1: apt-get install libvulkan1)';
  // A driver named by the environment is the user's business; the loader reads no folder then.
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return null;
  // Node < 20.16 has no getBuiltinModule: then ORT's own message has to do.
  const fs = proc.getBuiltinModule?.('node:fs');
  if (!fs || icdFolders(env).some((dir) => hasManifest(fs, dir))) return null;
  return 'no Vulkan driver is installed (no ICD manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d: a GPU driver installs one, e.g. NVIDIA\'s nvidia_icd.json; in a container NVIDIA_DRIVER_CAPABILITIES must include "graphics")';
}

/**
 * Whether `libvulkan.so.1` loads, found the way Dawn finds it: dlopen by that name (library path,
 * ld.so cache). `process.dlopen` is Node's dlopen; the loader is no Node addon, so a found
 * library fails later, with "did not self-register", and a missing one with dlopen's own error.
 */
function loaderLoads(proc: NodeJS.Process): boolean {
  try {
    proc.dlopen({ exports: {} }, 'libvulkan.so.1');
    return true;
  } catch (e) {
    return !/cannot open shared object file/i.test((e as Error).message);
  }
}

/** The folders the Vulkan loader reads driver manifests from on Linux, in its order. */
function icdFolders(env: NodeJS.ProcessEnv): string[] {
  const home = env.HOME ?? '/nonexistent';
  const list = (v: string | undefined, fallback: string) => (v || fallback).split(':').filter(Boolean);
  const bases = [
    env.XDG_CONFIG_HOME || `${home}/.config`,
    ...list(env.XDG_CONFIG_DIRS, '/etc/xdg'),
    '/usr/local/etc',
    '/etc',
    env.XDG_DATA_HOME || `${home}/.local/share`,
    ...list(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share'),
  ];
  return bases.map((b) => `${b}/vulkan/icd.d`);
}

function hasManifest(fs: typeof import('node:fs'), dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((n) => n.endsWith('.json'));
  } catch {
    return false; // no such folder
  }
}
