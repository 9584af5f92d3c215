// The preload as one CommonJS file (.vite/build/preload.cjs). Sandboxed preloads may
// require only 'electron', so the contract code it uses is bundled in.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  clearScreen: false,
  publicDir: false,
  build: {
    outDir: here('./.vite/build'),
    emptyOutDir: false,
    target: 'chrome120',
    minify: false,
    lib: { entry: here('./electron/preload/preload.ts'), formats: ['cjs'], fileName: () => 'preload.cjs' },
    // entryFileNames too: under Forge, rollupOptions.output (not lib) names the file.
    rollupOptions: { external: ['electron'], output: { inlineDynamicImports: true, entryFileNames: 'preload.cjs' } },
  },
});
