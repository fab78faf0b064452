// After tsc: replaces the package's entry points in out/core (index.js, the engine, and the other entries
// when present: draft, v5-compat, extras, internal) with bundled files. Node 20 loads the ~130 ES modules
// tsc emits one by one, ~250 ms of CPU before the first socket exists; bundled, the engine loads in ~40 ms.
// zeromq.js loads in ~15 ms, and programs that start often (CLIs, workers, zeromq.js's own process-exit
// tests with their 750 ms deadline) feel the difference. The entries share their code through chunks
// (out/core/chunks), so importing two of them still gives one engine (one default context, one Socket
// class). The `zmtp` command (cli/main, its subcommands as dynamic chunks) and the capture thread
// (capture/capture-worker) are entries too: `zmtp decode` loaded 70 files of out/core (now 9) and started
// ~60 ms later; the worker starts on every capture the host opens. Chunks sit in out/core/chunks, as deep
// as cli/ and capture/, so paths relative to import.meta.url (serve's renderer, bench's bin, the worker's
// file) stay right. Packages stay external; the other files in out/core stay as tsc wrote them (bench
// imports some); the source maps lead back to core/*.ts through tsc's maps.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const outCore = fileURLToPath(new URL('../out/core/', import.meta.url));
const entries = ['index', 'draft', 'v5-compat', 'extras', 'internal', 'cli/main', 'capture/capture-worker'].filter((name) =>
  existsSync(`${outCore}${name}.js`),
);
// Chunks of an earlier build would pile up (their names carry a content hash).
rmSync(`${outCore}chunks`, { recursive: true, force: true });
await build({
  entryPoints: entries.map((name) => ({ in: `${outCore}${name}.js`, out: name })),
  outdir: outCore,
  chunkNames: 'chunks/[name]-[hash]',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  // Class and function names as in the source: zeromq.js's TypeErrors and `.name` show them (esbuild
  // would rename a class that collides, e.g. Proxy with the global Proxy).
  keepNames: true,
  logLevel: 'warning',
});
