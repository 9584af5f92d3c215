// Electron main as one CommonJS bundle (.vite/build/main.cjs): the engine, conf,
// electron-store and node-sqlite3-wasm are bundled in, because Forge ships only
// the Vite output; 'electron' and Node's built-ins stay external. The .wasm that
// node-sqlite3-wasm loads from its own folder, and the tray and window icons, are copied
// next to the bundle. Works under Forge's plugin-vite and alone (`npm run build:main`).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('./.vite/build');

function copyRuntimeFiles(): Plugin {
  return {
    name: 'hybrid-sync:copy-runtime-files',
    writeBundle() {
      copyFileSync(here('./node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), join(outDir, 'node-sqlite3-wasm.wasm'));
      mkdirSync(join(outDir, 'icons'), { recursive: true });
      for (const name of readdirSync(here('./assets'))) {
        if (name.endsWith('.png')) copyFileSync(join(here('./assets'), name), join(outDir, 'icons', name));
      }
    },
  };
}

export default defineConfig((env) => {
  // Forge defines the window constants itself (with a dev server URL under `forge start`).
  const underForge = 'forgeConfigSelf' in env;
  return {
    root: here('.'),
    clearScreen: false,
    publicDir: false,
    define: underForge ? {} : { MAIN_WINDOW_VITE_DEV_SERVER_URL: 'undefined', MAIN_WINDOW_VITE_NAME: JSON.stringify('main_window') },
    resolve: { conditions: ['node'], mainFields: ['module', 'jsnext:main', 'jsnext'] },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'node20',
      minify: false,
      sourcemap: true,
      lib: { entry: here('./electron/main/main.ts'), formats: ['cjs'], fileName: () => 'main.cjs' },
      rollupOptions: { external: ['electron', ...builtinModules.flatMap((m) => [m, `node:${m}`])] },
    },
    plugins: [copyRuntimeFiles()],
  };
});
