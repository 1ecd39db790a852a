// Packs what the GPU benchmark needs on the device machine (no Node, no registry there) into the gitignored
// /.device folder: xz'd node, an esbuild bundle of gpu-bench.ts (gpu.js and our code inlined, `webgpu` external),
// the `webgpu` package's JS and linux-x64 Dawn binary (xz'd), the Vulkan and GL-dispatch loader .debs and the
// golden scan file.
//
//   node --import tsx packages/selective-scan/bench/gpu-pack.ts        (from the repository root)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const out = join(root, '.device');
const sh = (cmd: string, args: string[], cwd = out) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'node_modules/webgpu/dist'), { recursive: true });
mkdirSync(join(out, 'golden'), { recursive: true });

await build({
  entryPoints: [join(root, 'packages/selective-scan/bench/gpu-bench.ts')],
  outfile: join(out, 'bench.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['source'],
  external: ['webgpu', 'gl'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});

const wg = join(root, 'node_modules/webgpu');
for (const f of ['package.json', 'index.js']) copyFileSync(join(wg, f), join(out, 'node_modules/webgpu', f));
copyFileSync(join(wg, 'dist/linux-x64.dawn.node'), join(out, 'node_modules/webgpu/dist/linux-x64.dawn.node'));
sh('xz', ['-9', '-T0', 'node_modules/webgpu/dist/linux-x64.dawn.node']);
copyFileSync(process.execPath, join(out, 'node'));
sh('xz', ['-9', '-T0', 'node']);
// the Vulkan loader, and the GL dispatch libraries the NVIDIA ICD (libGLX_nvidia) needs to load
sh('apt-get', ['download', 'libvulkan1', 'libglvnd0', 'libglx0', 'libegl1', 'libgl1', 'libopengl0', 'libgles2']);
const golden = process.env.VSSM_GOLDEN_DIR ?? join(root, '..', 'shared', 'golden');
for (const f of ['README.md', 'selective-scan.safetensors']) copyFileSync(join(golden, f), join(out, 'golden', f));
if (!existsSync(join(out, 'node.xz'))) throw new Error('node.xz missing');
console.log(readdirSync(out).join(' '));
