// Packaging: `npm run make` builds main, preload and the status window with Vite (the same
// vite.*.config.ts files the tests build), packages them with Electron and makes a zip and
// a .deb. Works wherever an Electron binary is installed. No native module is rebuilt for
// Electron's ABI (that needs headers from outside the npm registry, and the main process
// uses node-sqlite3-wasm instead), hence `onlyModules: []`.
//
// Fuses are flipped in the packaged binary as Electron's security checklist asks: it cannot
// be run as a plain Node (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect), cookies are
// encrypted at rest, and it loads its code only from an app.asar whose integrity it checks.
// The packaged app's embedded server runs in an Electron utility process on the wasm SQLite
// driver (electron/main/server-launch.ts), not as ELECTRON_RUN_AS_NODE, so none of this
// gets in its way.
import { MakerDeb } from '@electron-forge/maker-deb';
import { MakerZIP } from '@electron-forge/maker-zip';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { VitePlugin } from '@electron-forge/plugin-vite';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
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
    new FusesPlugin({
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    }),
  ],
};

export default config;
