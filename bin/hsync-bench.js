#!/usr/bin/env node
// Entry point for `npm run bench`: loads the TypeScript benchmarks through tsx, like bin/hsync.js.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../bench/main.ts');
process.exitCode = await main(process.argv.slice(2));
