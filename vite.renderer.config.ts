// The status window bundle (renderer/ → .vite/renderer/main_window). Used by Forge's Vite
// plugin for the app and by `npm run build:renderer` for the headless client's web UI.
// Relative asset paths (base './') so the same files load from file:// in Electron and
// from the local HTTP endpoint.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./renderer'),
  base: './',
  publicDir: here('./renderer/public'),
  clearScreen: false,
  build: {
    outDir: here('./.vite/renderer/main_window'),
    emptyOutDir: true,
    target: 'chrome120',
    // No inline scripts or data-URL modules: the CSP forbids them.
    assetsInlineLimit: 0,
    modulePreload: false,
    sourcemap: false,
  },
});
