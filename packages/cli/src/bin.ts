#!/usr/bin/env node
import { runCli } from './index.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vssm: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
