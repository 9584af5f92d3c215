// Type-checks each layer with its own tsconfig: a layer that reaches for an API its
// environment lacks (node:* in common, DOM in the engine) fails here.
import { spawnSync } from 'node:child_process';

const projects = ['shared/common', 'shared/node', 'server', 'renderer', 'electron', '.'];
let failed = false;
for (const project of projects) {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck ${project}: failed`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
