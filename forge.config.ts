// Packaging: `npm run make` builds main, preload and the status window with Vite (the same
// vite.*.config.ts files the tests build), packages them with Electron and makes a zip and
// a .deb. Works wherever an Electron binary is installed. No native module is rebuilt for
// Electron's ABI (that needs headers from outside the npm registry, and the main process
// uses node-sqlite3-wasm instead), hence `onlyModules: []`.
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { VitePlugin } from '@electron-forge/plugin-vite';
import type { ForgeConfig } from '@electron-forge/shared-types';

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Hybrid Sync',
    executableName: 'hybrid-sync',
    icon: 'assets/app', // Forge picks app.png / .ico / .icns per platform
    asar: true,
  },
  rebuildConfig: { onlyModules: [] },
  makers: [
    new MakerZIP({}, ['linux', 'darwin', 'win32']),
    new MakerDeb({
      options: {
        name: 'hybrid-sync',
        productName: 'Hybrid Sync',
        genericName: 'File sync',
        categories: ['Network', 'Utility'],
        icon: 'assets/app.png',
        homepage: 'https://example.org/hybrid-sync',
      },
    }),
  ],
  plugins: [
    new VitePlugin({
      build: [
        { entry: 'electron/main/main.ts', config: 'vite.main.config.ts', target: 'main' },
        { entry: 'electron/preload/preload.ts', config: 'vite.preload.config.ts', target: 'preload' },
      ],
      renderer: [{ name: 'main_window', config: 'vite.renderer.config.ts' }],
    }),
  ],
};

export default config;
