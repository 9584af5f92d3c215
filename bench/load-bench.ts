// Load: 20 clients at once commit small files to one `hsync server` process for 60 s
// (HSYNC_BENCH_LOAD_SEC changes the length). Each client is the product's HttpRemote with
// its own connections; the 20 share 4 accounts (5 devices each), so commits meet in one
// namespace's journal and across namespaces. One commit = upload the file's one block, then
// POST /v1/commit, timed together. Afterwards every account's journal is read back: each
// committed entry must be there with its id, path and content hash, and the server must hold
// exactly as many entries of each client as that client saw committed (none lost, none extra
// from a retry); any other answer than "committed" is a failed commit. All must be 0 (the
// target).

import { randomBytes } from 'node:crypto';
import { contentHashOf, blockHashOf } from '../shared/node/blocks/content-hash.js';
import type { JournalEntry } from '../shared/common/protocol.js';
import { HttpRemote } from '../shared/node/remote/http-remote.js';
import { startServerProcess } from '../test/helpers/server-process.js';
import { now, type BenchModule, type BenchRow } from './bench.js';

export const CLIENTS = 20;
export const ACCOUNTS = 4;
const MAX_FILE = 8192;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function journalOf(remote: HttpRemote): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  let cursor = 0;
  for (;;) {
    const page = await remote.list(cursor, 10_000);
    out.push(...page.entries);
    cursor = page.cursor;
    if (!page.hasMore) return out;
  }
}

/** What the clients committed, how long each took, and what went wrong. */
export interface LoadResult {
  elapsedMs: number;
  committed: number;
  /** Sorted, ms. */
  latencies: number[];
  failed: number;
  lost: number;
  miscounted: number;
}

/**
 * CLIENTS clients commit small files for `seconds`, client i through `urls[i % urls.length]`
 * with `tokens[i % ACCOUNTS]`; then every journal is read back through `urls[0]`.
 */
export async function loadAgainst(urls: string[], tokens: string[], seconds: number, label = 'load'): Promise<LoadResult> {
  const remotes = Array.from({ length: CLIENTS }, (_, i) => new HttpRemote(urls[i % urls.length], tokens[i % ACCOUNTS], { maxSockets: 2 }));
  const readers = tokens.map((token) => new HttpRemote(urls[0], token));
  const latencies: number[] = [];
  const committed: { account: number; entry: JournalEntry }[] = [];
  const failures: string[] = [];
  try {
    const end = now() + seconds * 1000;
    const start = now();
    await Promise.all(
      remotes.map(async (remote, i) => {
        for (let n = 0; now() < end; n++) {
          const bytes = randomBytes(1 + (n * 977 + i * 131) % MAX_FILE);
          const hash = blockHashOf(bytes);
          const path = `device-${i}/file-${n}.txt`;
          const t0 = now();
          try {
            await remote.putBlock(hash, bytes);
            const answer = await remote.commit(`device-${i}`, [{ kind: 'put', path, parentRev: null, size: bytes.length, mtime: Date.now(), blocks: [hash] }]);
            const result = answer.results[0];
            if (result?.status !== 'committed') {
              failures.push(`${path}: ${result?.status ?? 'no result'}`);
              continue;
            }
            if (result.entry.contentHash !== contentHashOf([hash])) failures.push(`${path}: committed with another content hash`);
            committed.push({ account: i % ACCOUNTS, entry: result.entry });
            latencies.push(now() - t0);
          } catch (error) {
            failures.push(`${path}: ${(error as Error).message}`);
          }
        }
      }),
    );
    const elapsedMs = now() - start;
    const journals = await Promise.all(readers.map(journalOf));
    const byId = journals.map((entries) => new Map(entries.map((e) => [e.id, e])));
    const lost = committed.filter(({ account, entry }) => {
      const found = byId[account].get(entry.id);
      return !found || found.path !== entry.path || found.contentHash !== entry.contentHash;
    });
    // What the server holds of each client (its device name, its folder), against what the client counted.
    const extra: string[] = [];
    let miscounted = 0;
    for (let i = 0; i < CLIENTS; i++) {
      const onServer = journals[i % ACCOUNTS].filter((e) => e.device === `device-${i}` && e.path.startsWith(`device-${i}/`)).length;
      const counted = committed.filter((c) => c.entry.device === `device-${i}`).length;
      if (onServer === counted) continue;
      miscounted += Math.abs(onServer - counted);
      extra.push(`device-${i}: the server holds ${onServer} commits, the client saw ${counted} committed`);
    }
    for (const f of failures.slice(0, 5)) console.error(`bench ${label}: failed commit ${f}`);
    for (const l of lost.slice(0, 5)) console.error(`bench ${label}: lost commit ${l.entry.path} (id ${l.entry.id})`);
    for (const e of extra.slice(0, 5)) console.error(`bench ${label}: ${e}`);
    return { elapsedMs, committed: committed.length, latencies: [...latencies].sort((a, b) => a - b), failed: failures.length, lost: lost.length, miscounted };
  } finally {
    for (const r of [...remotes, ...readers]) r.close();
  }
}

/** The four rows of one load run, `setup` naming the servers. */
export function loadRows(r: LoadResult, seconds: number, setup: string): BenchRow[] {
  const bad = r.failed + r.lost + r.miscounted;
  return [
    { figure: `${setup}: ${CLIENTS} clients × ${seconds} s, small files (1 B-8 KiB): commits`, value: r.committed / (r.elapsedMs / 1000), unit: 'commits/s', context: `${r.committed} commits, ${ACCOUNTS} accounts` },
    { figure: `${setup}: commit latency p50 (block upload + commit)`, value: percentile(r.latencies, 50), unit: 'ms', context: '' },
    { figure: `${setup}: commit latency p99 (block upload + commit)`, value: percentile(r.latencies, 99), unit: 'ms', context: '' },
    { figure: `${setup}: failed, lost or miscounted commits`, value: bad, unit: 'commits', context: `target 0 (${r.failed} failed, ${r.lost} lost, ${r.miscounted} counted otherwise on the server)`, ok: bad === 0 },
  ];
}

export const loadBench: BenchModule = {
  name: 'load',
  summary: `${CLIENTS} clients committing small files to one server for 60 s`,
  async run(): Promise<BenchRow[]> {
    const seconds = Number(process.env.HSYNC_BENCH_LOAD_SEC ?? 60);
    const server = await startServerProcess();
    try {
      const tokens: string[] = [];
      for (let a = 0; a < ACCOUNTS; a++) tokens.push(await server.addUser(`load${a}`));
      return loadRows(await loadAgainst([server.url], tokens, seconds), seconds, 'one server');
    } finally {
      const code = await server.stop();
      await server.dispose();
      if (code !== 0) throw new Error(`server exited with ${code}: ${server.stderr()}`);
    }
  },
};
