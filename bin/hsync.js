#!/usr/bin/env node
// Entry point for the `hsync` command. Runs the built JavaScript in dist/cli/ (built by
// `npm ci` and `npm test`, or `npm run build:cli`) while it is newer than every source it was
// built from; otherwise the TypeScript sources through tsx, so a checkout with no build works
// and an edited .ts file never runs stale. The build saves tsx's loader: 30-45 MB of memory
// for a long-running client and ~0.5 s per start.
// libuv reads UV_THREADPOOL_SIZE once, when its pool first starts: set it before any import.
// Downloads of many small files keep dozens of fsyncs in flight; 4 threads would queue them.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { readFileSync, statSync } = await import('node:fs');

/** dist/cli/main.js when no input of the build changed after it started, else null. */
function builtMain() {
  const root = new URL('../', import.meta.url);
  try {
    const { startedAt, inputs } = JSON.parse(readFileSync(new URL('dist/cli/inputs.json', root), 'utf8'));
    for (const input of inputs) if (statSync(new URL(input, root)).mtimeMs >= startedAt) return null;
    return new URL('dist/cli/main.js', root).href;
  } catch {
    return null; // Not built, or an input is gone: the sources are the truth.
  }
}

const built = process.env.HSYNC_FROM_SOURCE ? null : builtMain();
let main;
if (built) {
  ({ main } = await import(built));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
