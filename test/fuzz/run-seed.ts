// One fuzz run: an operation list (a seed's, or a shrunk one) against real processes (a
// deployment and three `hsync sync` clients), then settle (faults off, every client syncs
// until quiet) and the invariants. Resolves with the problems found (none: the run passed)
// and the log of what each operation did.

import { makeClient, type Client } from './clients.js';
import { startDeployment, type Deployment } from './deployment.js';
import { runFault } from './faults.js';
import { folderTree, journal, liveTree, lostVersions, tempFiles, treeDiff, type Tree, type Version } from './invariants.js';
import { apply, DEVICES, generate, type Op } from './operations.js';
import { prng } from './prng.js';

export interface RunOptions {
  ops: number;
  /** Force the deployment; otherwise odd seeds run split, even ones single. */
  mode?: 'single' | 'split';
  settleMs: number;
  /**
   * Test-only: the run fails, as if an invariant broke, when its list holds an operation of
   * this kind (an operation's or a fault's: `truncate`, `server_kill`), so the shrinker can
   * be checked against a known cause (HSYNC_FUZZ_FAIL_ON, docs/testing.md).
   */
  failOn?: string;
}

export interface RunResult {
  split: boolean;
  ops: Op[];
  /** One line per operation: what it did. */
  log: string[];
  problems: string[];
  settledMs: number;
  /** Client and server output, for a failure's report. */
  output: string;
}

const GAP_MS = 20;
const POLL_MS = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function planOf(seed: number, opts: RunOptions): { split: boolean; ops: Op[] } {
  const rng = prng(seed);
  const split = opts.mode ? opts.mode === 'split' : seed % 2 === 1;
  return { split, ops: generate(rng, opts.ops, split) };
}

/** The operation's kind, or the fault's for a fault. */
export function kindOf(op: Op): string {
  return op.kind === 'fault' ? op.fault.kind : op.kind;
}

export async function runSeed(seed: number, opts: RunOptions): Promise<RunResult> {
  const { split, ops } = planOf(seed, opts);
  return runOps(split, ops, opts);
}

export async function runOps(split: boolean, ops: Op[], opts: Pick<RunOptions, 'settleMs' | 'failOn'>): Promise<RunResult> {
  const log: string[] = [];
  const problems: string[] = [];
  let versions: Version[] = [];
  let settledMs = -1;
  let d: Deployment | null = null;
  const clients: Client[] = [];
  try {
    d = await startDeployment(split, DEVICES);
    for (let i = 0; i < DEVICES; i++) clients.push(await makeClient(`dev${i}`, d.proxies[i].url, d.token));
    for (const c of clients) c.start();

    const folderOp = async (op: Op, dev: number, index: number): Promise<string> => {
      const applied = await apply(clients[dev].root, op);
      const gone = new Set(applied.replaced);
      versions = versions.filter((v) => v.dev !== dev || !gone.has(v.hash));
      for (const w of applied.wrote) {
        versions.push({ hash: w.hash, dev, path: w.path, op: index });
      }
      return applied.skipped ? `skipped (${applied.skipped})` : `ok${applied.wrote.length ? ` ${applied.wrote[0].hash.slice(0, 12)}` : ''}`;
    };

    for (const [index, op] of ops.entries()) {
      let note: string;
      if (op.kind === 'wait') {
        await sleep(op.ms);
        note = 'waited';
      } else if (op.kind === 'fault') {
        const write = async (dev: number, path: string, size: number, salt: number) => {
          await folderOp({ kind: 'write', dev, path, size, salt }, dev, index);
        };
        note = await runFault(op.fault, d, clients, write);
      } else if (op.kind === 'same') {
        note = (await Promise.all(op.devs.map((dev) => folderOp(op, dev, index)))).join(', ');
      } else {
        note = await folderOp(op, op.dev, index);
      }
      log.push(`${index}: ${JSON.stringify(op)} -> ${note}`);
      await sleep(GAP_MS);
    }

    settledMs = await settle(d, clients, opts.settleMs, problems);
    if (settledMs >= 0) {
      const entries = await journal(d.main.url, d.token);
      const folders = await Promise.all(clients.map((c) => folderTree(c.root)));
      for (const v of lostVersions(versions, entries, folders)) {
        problems.push(`lost: version ${v.hash.slice(0, 12)} that dev${v.dev} wrote at ${v.path} (op ${v.op}) is in no folder and no revision`);
      }
      for (const [i, tree] of folders.entries()) for (const p of tempFiles(tree)) problems.push(`dev${i}: temp file visible: ${p}`);
    }
    const deliberate = opts.failOn === undefined ? -1 : ops.findIndex((op) => kindOf(op) === opts.failOn);
    if (deliberate >= 0) problems.push(`deliberate failure (HSYNC_FUZZ_FAIL_ON=${opts.failOn}): op ${deliberate} is one`);
  } catch (error) {
    problems.push(`run failed: ${(error as Error).stack ?? String(error)}`);
  }
  const output = [
    ...clients.map((c) => `--- ${c.name} output (tail)\n${c.log().slice(-4000)}`),
    `--- server stderr (tail)\n${(d?.stderr() ?? '').slice(-4000)}`,
  ].join('\n');
  for (const c of clients) await c.dispose().catch(() => {});
  await d?.dispose().catch(() => {});
  return { split, ops, log, problems, settledMs, output };
}

/**
 * Faults off, every client running, then waits until every folder equals the server's
 * live tree on two polls in a row with no new journal entry. A block a flipped bit spoiled
 * is no excuse: a device that holds it uploads it again (docs/hybrid-storage.md, "Healing
 * from devices"). Resolves with the time it took, or -1 (and the differences added to
 * `problems`) when `boundMs` passes first.
 */
async function settle(d: Deployment, clients: Client[], boundMs: number, problems: string[]): Promise<number> {
  for (const p of d.proxies) {
    p.cutAfter(null);
    p.setDown(false);
    p.onRequest(null);
  }
  for (const c of clients) c.start();
  const started = Date.now();
  let lastCursor = -1;
  let diffs: string[] = [];
  let agreedOnce = false;
  while (Date.now() - started < boundMs) {
    const entries = await journal(d.main.url, d.token).catch(() => null);
    if (entries) {
      const live: Tree = liveTree(entries);
      const folders = await Promise.all(clients.map((c) => folderTree(c.root)));
      diffs = folders.flatMap((tree, i) => treeDiff(live, tree, clients[i].name));
      const cursor = entries.at(-1)?.id ?? 0;
      if (diffs.length === 0 && agreedOnce && cursor === lastCursor) return Date.now() - started;
      agreedOnce = diffs.length === 0;
      lastCursor = cursor;
    }
    await sleep(POLL_MS);
  }
  problems.push(`did not settle within ${boundMs} ms:`, ...diffs.map((line) => `  ${line}`));
  return -1;
}
