// Electron main as one CommonJS bundle (.vite/build/main.cjs): the engine, conf,
// electron-store and node-sqlite3-wasm are bundled in, because Forge ships only
// the Vite output; 'electron' and Node's built-ins stay external. Beside it, the `hsync`
// command that a packaged app runs as its embedded server in a utility process
// (hsync-server.cjs, electron/main/server-launch.ts); better-sqlite3 stays out of it (that
// process uses the wasm SQLite driver; a native module cannot be bundled anyway). The .wasm that
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
      lib: {
        entry: { main: here('./electron/main/main.ts'), 'hsync-server': here('./electron/server/hsync-server.ts') },
        formats: ['cjs'],
        fileName: (_format, name) => `${name}.cjs`,
      },
      rollupOptions: {
        external: ['electron', 'better-sqlite3', ...builtinModules.flatMap((m) => [m, `node:${m}`])],
        // Shared code beside the entries (node-sqlite3-wasm finds its .wasm by __dirname), and
        // .cjs: package.json says "type": "module", so a .js file would load as ESM.
        output: { chunkFileNames: '[name]-[hash].cjs' },
      },
    },
    plugins: [copyRuntimeFiles()],
  };
});
