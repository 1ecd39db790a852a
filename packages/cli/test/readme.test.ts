// The READMEs work as written: the root README's TypeScript blocks run, and every documented `npx vssm …` line
// parses against the command's options; those whose files exist here run for real.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createModel, saveCheckpoint } from '@vssm/models';
import test from 'tape';
import { COMMANDS, parseArgs } from '../src/index.js';
import { pkg, repo, tempDir, vssm } from './helpers.js';

const rootReadme = readFileSync(join(repo, 'README.md'), 'utf8');
const cliReadme = readFileSync(join(pkg, 'README.md'), 'utf8');
const tmp = tempDir('vssm-readme-');

/** The fenced blocks of one language inside a `## Section`. */
function blocks(markdown: string, section: string, lang: string): string[] {
  const start = markdown.indexOf(`## ${section}\n`);
  if (start < 0) throw new Error(`no section '${section}'`);
  const end = markdown.indexOf('\n## ', start + 4);
  const body = markdown.slice(start, end < 0 ? undefined : end);
  return [...body.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);
}

/** Runs a TypeScript snippet from a script inside the repository (so `@vssm/*` resolve), with `cwd` for its files. */
function runSnippet(code: string, cwd: string) {
  const dir = mkdtempSync(join(pkg, '.readme-'));
  try {
    const file = join(dir, 'snippet.mts');
    writeFileSync(file, code);
    // tsx resolved here: the snippet's cwd is outside the repository
    return spawnSync(process.execPath, ['--conditions=source', '--import', import.meta.resolve('tsx'), file], {
      cwd,
      encoding: 'utf8',
      timeout: 300_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('README quick start runs as written (with a local_vim_tiny checkpoint and a JPEG beside it)', async (t) => {
  const [code] = blocks(rootReadme, 'Quick start', 'ts');
  t.match(
    code,
    /createModel\('local_vim_tiny'\)[\s\S]*loadCheckpoint\(model, 'local_vim_tiny\.ckpt'\)[\s\S]*model\.forward\(input\)/,
    'the snippet',
  );
  const dir = join(tmp, 'quick');
  spawnSync('mkdir', ['-p', dir]);
  await saveCheckpoint(createModel('local_vim_tiny', { seed: 1 }), join(dir, 'local_vim_tiny.ckpt')); // content decides the format
  copyFileSync(join(pkg, '..', 'models', 'test', 'fixtures', 'images', 'rgb444.jpg'), join(dir, 'cat.jpg'));
  const r = runSnippet(`${code}\nconsole.log(JSON.stringify({ input: input.shape, logits: logits.shape }));\n`, dir);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /\{"input":\[1,3,224,224\],"logits":\[1,1000\]\}/, 'input (1, 3, 224, 224), logits (1, 1000)');
});

test("README 'Using an official checkpoint' snippet runs (msvmambav3_tiny weights in a file named like the release)", async (t) => {
  const [code] = blocks(rootReadme, 'Using an official checkpoint', 'ts');
  t.match(code, /loadCheckpoint\(model, 'msvmambav3_tiny_224\.pth', \{/, 'the snippet');
  const dir = join(tmp, 'official');
  spawnSync('mkdir', ['-p', dir]);
  await saveCheckpoint(createModel('msvmambav3_tiny', { seed: 2 }), join(dir, 'msvmambav3_tiny_224.pth'));
  const r = runSnippet(`${code}\nconsole.log('loaded', model.stateDict().size);\n`, dir);
  t.equal(r.status, 0, `exit 0${r.status ? `: ${r.stderr}` : ''}`);
  t.match(r.stdout, /^loaded 399$/m, 'all 399 official tensors loaded');
});

/** Every `npx vssm …` line of the sh blocks of a README. */
function commandLines(markdown: string): string[][] {
  const lines: string[][] = [];
  for (const m of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of m[1].split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      // `[--json]` marks an optional flag in the docs: drop it
      if (cmd.startsWith('npx vssm '))
        lines.push(
          cmd
            .split(/\s+/)
            .slice(2)
            .filter((a) => !a.startsWith('[')),
        );
    }
  }
  return lines;
}

const FILE_ARG = /\.(pth|ckpt|safetensors|json|png|jpe?g)$/;

test('every documented `npx vssm` line names a command and options that exist; self-contained ones run', (t) => {
  const lines = [...commandLines(rootReadme), ...commandLines(cliReadme)];
  t.ok(lines.length >= 15, `${lines.length} documented command lines`);
  const seen = new Set<string>();
  for (const argv of lines) {
    const [name, ...rest] = argv;
    const label = `vssm ${argv.join(' ')}`;
    if (name === '--help' || rest.includes('--help')) continue;
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      t.fail(`${label}: no command '${name}'`);
      continue;
    }
    seen.add(name);
    t.doesNotThrow(() => parseArgs(`vssm ${name}`, rest, command.options), `${label}: parses`);
    const outIndex = rest.indexOf('--out');
    const isOut = (i: number) => outIndex >= 0 && i === outIndex + 1;
    const inputs = rest.filter((a, i) => FILE_ARG.test(a) && !isOut(i));
    if (!inputs.every((a) => existsSync(join(repo, a)))) continue; // needs an official checkpoint or a photo
    const args = rest.map((a, i) => (isOut(i) ? join(tmp, `out-${seen.size}-${a}`) : FILE_ARG.test(a) ? join(repo, a) : a));
    if (name === 'bench') args.push('--runs', '1', '--warmup', '0'); // documented settings, fewer repetitions
    const r = vssm([name, ...args], { timeout: 300_000 });
    t.equal(r.code, 0, `${label}: runs (exit 0)${r.code ? `: ${r.stderr}` : ''}`);
  }
  t.deepEqual([...seen].sort(), ['bench', 'classify', 'demo', 'golden', 'info'], 'every command is documented');
  t.end();
});
