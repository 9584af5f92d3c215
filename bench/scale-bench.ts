// Scale: the load bench's 20 clients (load-bench.ts) against three set-ups in one run, each
// for HSYNC_BENCH_LOAD_SEC seconds (default 60): one server on SQLite; one server with its
// metadata in PostgreSQL; two `--role meta` servers on one PostgreSQL database with one
// block service behind them, the clients split over the two. PostgreSQL is a throwaway one
// (test/helpers/postgres.ts, a temp dir on a loopback port), a new database per set-up.
// Every commit a client saw committed must be on the server, none twice (target 0).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/hybrid-cluster.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { runHsync, startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import type { BenchModule, BenchRow } from './bench.js';
import { ACCOUNTS, CLIENTS, loadAgainst, loadRows } from './load-bench.js';

async function usersOn(dbUrl: string): Promise<string[]> {
  const tokens: string[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const added = await runHsync(['server', 'user', 'add', `load${a}`, '--db', dbUrl]);
    if (added.code !== 0) throw new Error(`user add: ${added.stderr}`);
    tokens.push(added.stdout.trim());
  }
  return tokens;
}

/** Stops every server (all must exit 0) and removes their data. */
async function stopAll(servers: ServerProcess[]): Promise<void> {
  const problems: string[] = [];
  for (const s of servers) {
    const code = await s.stop();
    await s.dispose();
    if (code !== 0) problems.push(`server exited with ${code}: ${s.stderr()}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

export const scaleBench: BenchModule = {
  name: 'scale',
  summary: `${CLIENTS} clients: SQLite, PostgreSQL with one and with two metadata servers`,
  async run(): Promise<BenchRow[]> {
    const seconds = Number(process.env.HSYNC_BENCH_LOAD_SEC ?? 60);
    const rows: BenchRow[] = [];

    const sqlite = await startServerProcess();
    try {
      const tokens: string[] = [];
      for (let a = 0; a < ACCOUNTS; a++) tokens.push(await sqlite.addUser(`load${a}`));
      rows.push(...loadRows(await loadAgainst([sqlite.url], tokens, seconds, 'scale'), seconds, 'SQLite, one server'));
    } finally {
      await stopAll([sqlite]);
    }

    const pg = await startPostgres();
    try {
      const one = pg.createDatabase('one');
      const single = await startServerProcess({ args: ['--db', one] });
      try {
        rows.push(...loadRows(await loadAgainst([single.url], await usersOn(one), seconds, 'scale'), seconds, 'PostgreSQL, one server'));
      } finally {
        await stopAll([single]);
      }

      const two = pg.createDatabase('two');
      const keyDir = await mkdtemp(join(tmpdir(), 'hsync-key-'));
      const secretFile = join(keyDir, 'block.key');
      const servers: ServerProcess[] = [];
      try {
        const blocks = await startServerProcess({ args: ['--role', 'blocks', '--secret-file', secretFile, '--port', String(await freePort())] });
        servers.push(blocks);
        const meta = ['--role', 'meta', '--block-service', blocks.url, '--secret-file', secretFile, '--db', two];
        servers.push(await startServerProcess({ args: meta }), await startServerProcess({ args: meta }));
        const urls = servers.slice(1).map((s) => s.url);
        rows.push(...loadRows(await loadAgainst(urls, await usersOn(two), seconds, 'scale'), seconds, 'PostgreSQL, two metadata servers'));
      } finally {
        await stopAll(servers.reverse());
        await rm(keyDir, { recursive: true, force: true });
      }
    } finally {
      await pg.stop();
    }
    return rows;
  },
};
