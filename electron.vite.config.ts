import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Entries are electron-vite's defaults: src/main/index.ts, src/preload/index.ts, src/renderer/index.html.
export default defineConfig({
  // Main bundles core/host and our pure TypeScript engine; runtime dependencies stay external.
  // The capture thread (core/capture/capture-worker.ts) is a second entry: out/main/capture-worker.js, next to
  // index.js, where core/capture/capture-thread.ts looks for it.
  main: {
    build: {
      rollupOptions: {
        input: { index: here('src/main/index.ts'), 'capture-worker': here('core/capture/capture-worker.ts') },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot be ES modules: emit CommonJS as index.cjs.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    plugins: [react(), tailwindcss()],
    build: { chunkSizeWarningLimit: 2000 },
  },
});
