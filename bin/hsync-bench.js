#!/usr/bin/env node
// Entry point for `npm run bench`: loads the TypeScript benchmarks through tsx, like bin/hsync.js.
// The `hsync` processes the benches start run the built command (dist/cli/), as users run it:
// through tsx they would carry its loader (30-45 MB of memory, CPU at start) in every figure.
import { buildCli, isFresh } from '../scripts/build-cli.js';
import { register } from 'tsx/esm/api';

if (!isFresh()) await buildCli();
register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv.slice(2));
