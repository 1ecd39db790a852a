// Loaded by run-tape.mjs under tsx: imports every test file, then starts tape, so that tests registered by
// files imported after an `await` still run in this one process.
import { pathToFileURL } from 'node:url';
import tape from 'tape';

tape.wait();
for (const file of process.argv.slice(2)) {
  await import(pathToFileURL(file).href);
}
tape.run();
