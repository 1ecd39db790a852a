// Loaded by run-tape.mjs under tsx: imports every test file, then starts tape, so that tests registered by
// files imported after an `await` still run in this one process.
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import tape from 'tape';

// Property tests are reproducible by default; set VSSM_FC_SEED to explore other seeds.
fc.configureGlobal({ seed: Number(process.env.VSSM_FC_SEED ?? 20261122) });

tape.wait();
for (const file of process.argv.slice(2)) {
  await import(pathToFileURL(file).href);
}
tape.run();
