#!/usr/bin/env node
// The `zmtp` command: a thin launcher for the compiled CLI in out/core.
import { main } from '../out/core/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code ?? 0;
  },
  (err) => {
    process.stderr.write(`zmtp: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
