// The packaged app's binary gets the fuses Electron's security checklist asks for; the
// packager flips them (forge.config.ts), so what is checked here is what `npm run make` uses.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { FuseV1Options, FuseVersion } from '@electron/fuses';
import config from '../../../forge.config.js';

test('the packaged binary cannot run as Node, loads only its checked app.asar, and encrypts cookies', () => {
  const fuses = (config.plugins ?? []).find((p) => (p as { name?: string }).name === 'fuses') as { fusesConfig?: Record<string, unknown> } | undefined;
  assert.ok(fuses?.fusesConfig, 'the fuses plugin is configured');
  const want: Record<number, boolean> = {
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
  };
  assert.equal(fuses.fusesConfig.version, FuseVersion.V1);
  for (const [option, value] of Object.entries(want)) assert.equal(fuses.fusesConfig[option], value, `fuse ${FuseV1Options[Number(option)]}`);
  assert.equal(config.packagerConfig?.asar, true, 'integrity checks need an asar archive');
});
