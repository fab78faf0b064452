// After tsc: replaces out/core/index.js (the package's entry, the engine) with one bundled file.
// Node 20 loads the ~130 ES modules tsc emits one by one, ~250 ms of CPU before the first socket
// exists; as one file the engine loads in about a third of that. zeromq.js loads in ~30 ms, and
// programs that start often (CLIs, workers, zeromq.js's own process-exit tests with their 750 ms
// deadline) feel the difference. Packages stay external; the other files in out/core (CLI, host) are
// left as tsc wrote them, and the source map goes back to core/*.ts through tsc's maps.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../out/core/index.js', import.meta.url));
await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
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
