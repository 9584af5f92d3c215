// What must hold once a simulated run has settled (docs/testing.md "Simulation"): every
// device holds exactly the server's live tree, no version any device held is lost, and no
// temporary file is visible; and no folder ever changed state in a way its state machine
// does not allow. A version in a device's local trash counts as kept.

import { join } from 'node:path';
import { trashDir } from '../shared/node/engine/local-trash.js';
import { contentHashOfBytes } from './tree.js';
import { loadIgnoreRules, type IgnoreRules } from '../shared/node/engine/ignore-rules.js';
import type { World } from './world.js';

/** True when `path` or a folder above it is ignored. */
function ignoredAnywhere(rules: IgnoreRules, path: string): boolean {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) if (rules.ignores(`${parts.slice(0, i).join('/')}/`)) return true;
  return rules.ignores(path);
}

/** The violations, one line each; empty when the run is good. */
export function checkInvariants(world: World): string[] {
  const problems: string[] = world.illegalTransitions.map((change) => `${change} is not a transition the folder state machine allows`);
  const live = world.server.live(world.namespaceId);
  const everywhere = new Set<string>();
  for (const entry of world.server.history(world.namespaceId)) {
    if (entry.contentHash) everywhere.add(entry.contentHash);
    if (!entry.deleted && world.server.bytesOf(entry) === undefined) problems.push(`server: "${entry.path}" rev ${entry.rev} names a block the store does not hold`);
  }
  for (const device of world.devices) {
    const { files, odd } = world.tree(device);
    // Ignored paths are this device's own business (docs/engine.md "Ignore rules").
    const rules = loadIgnoreRules(device.fs, device.root);
    const inScope = (path: string) => !ignoredAnywhere(rules, path);
    for (const path of odd) problems.push(`${device.name}: "${path}" is neither file nor folder`);
    for (const [path, file] of files) {
      everywhere.add(file.contentHash);
      if (/\.part$/.test(file.onDisk)) problems.push(`${device.name}: temporary file "${file.onDisk}" is visible`);
      const entry = live.get(path);
      if (!inScope(path)) continue;
      if (!entry) problems.push(`${device.name}: "${path}" is not on the server`);
      else if (entry.contentHash !== file.contentHash) problems.push(`${device.name}: "${path}" differs from the server's rev ${entry.rev}`);
    }
    for (const path of live.keys()) if (inScope(path) && !files.has(path)) problems.push(`${device.name}: "${path}" (on the server) is missing`);
  }
  // The local trash counts as kept: `hsync restore` brings it back (docs/engine.md).
  for (const device of world.devices) {
    const dir = trashDir(device.root);
    if (!device.fs.existsSync(dir)) continue;
    for (const name of device.fs.readdirSync(dir)) if (name.endsWith('.data')) everywhere.add(contentHashOfBytes(device.fs.readFileSync(join(dir, name))));
  }
  for (const hash of world.saved) {
    if (!everywhere.has(hash) && !world.userDestroyed.has(hash) && !world.powerLost.has(hash)) problems.push(`lost: a version (content ${hash.slice(0, 12)}) a device held is on no device and not in the server's revisions`);
  }
  return problems;
}
