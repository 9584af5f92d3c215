// `npm run build:cli` (also run by `npm ci` through `prepare`, and by `npm test` first): the
// `hsync` command as plain JavaScript in dist/cli/, so it starts without compiling TypeScript
// at run time (tsx's loader costs a client 30-45 MB of memory and ~0.5 s per start).
//
// bin/hsync.js runs this build only while no source it was made from (dist/cli/inputs.json
// lists them) is newer than the build, and the sources through tsx otherwise: an edited .ts
// file never runs stale. Packages stay in node_modules (node-sqlite3-wasm loads its .wasm
// from its own folder); only the project's own modules are bundled. Subcommands stay
// separate chunks, loaded when used, as cli/main.ts intends.
//
// Others may be running hsync from dist/cli/ while it is rebuilt: every file is written to a
// temporary name and renamed into place, and a file whose bytes did not change is left alone.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'cli');
const SELF = relative(ROOT, fileURLToPath(import.meta.url));

/** True when dist/cli/ was built after every one of its inputs last changed. */
export function isFresh() {
  try {
    const { startedAt, inputs } = JSON.parse(readFileSync(join(OUT, 'inputs.json'), 'utf8'));
    return inputs.every((input) => statSync(join(ROOT, input)).mtimeMs < startedAt);
  } catch {
    return false;
  }
}

/**
 * A module that finds files next to its source (`import.meta.url`) keeps finding them from
 * the bundle: the expression becomes the source file's URL, computed from the bundle's own.
 */
const sourceUrls = {
  name: 'hsync:source-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromOut = relative(OUT, args.path).split('\\').join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOut)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

export async function buildCli() {
  const startedAt = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['cli/main.ts'],
    outdir: OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [sourceUrls],
  });
  mkdirSync(OUT, { recursive: true });
  const written = new Set(['inputs.json']);
  for (const file of result.outputFiles) {
    const name = relative(OUT, file.path);
    written.add(name);
    let old = null;
    try {
      old = readFileSync(file.path);
    } catch {
      // Not built before.
    }
    if (old === null || !old.equals(file.contents)) writeAtomically(file.path, file.contents);
  }
  const inputs = [...Object.keys(result.metafile.inputs), SELF];
  writeAtomically(join(OUT, 'inputs.json'), JSON.stringify({ startedAt, inputs }, null, 1));
  // Chunks of an older build that this one no longer has.
  for (const name of readdirSync(OUT)) if (!written.has(name) && !name.endsWith('.tmp')) rmSync(join(OUT, name), { force: true });
  return { files: result.outputFiles.length, inputs: inputs.length };
}

function writeAtomically(path, contents) {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const force = process.argv.includes('--force');
  if (!force && isFresh()) {
    console.log('hsync build: dist/cli/ is up to date');
  } else {
    const started = performance.now();
    const { files, inputs } = await buildCli();
    console.log(`hsync build: dist/cli/ (${files} files from ${inputs} sources) in ${Math.round(performance.now() - started)} ms`);
  }
}
