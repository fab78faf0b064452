import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

// Entries are electron-vite's defaults: src/main/index.ts, src/preload/index.ts, src/renderer/index.html.
export default defineConfig({
  // Main bundles core/host and our pure TypeScript engine; runtime dependencies stay external.
  main: {},
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
