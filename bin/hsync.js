#!/usr/bin/env node
// Entry point for the `hsync` command: loads the TypeScript sources through tsx, so the
// CLI works right after `npm ci` with no build step.
// libuv reads UV_THREADPOOL_SIZE once, when its pool first starts: set it before any import.
// Downloads of many small files keep dozens of fsyncs in flight; 4 threads would queue them.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { register } = await import('tsx/esm/api');

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
