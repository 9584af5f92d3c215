// A throwaway PostgreSQL for the tests: initdb + pg_ctl in a fresh temp dir, on a free
// loopback port, as the postgres user (initdb refuses root), one per test file and removed
// after. Debian's `postgresql` package provides the binaries (.ci/run installs it). Without
// them a test file skips, except in CI, where it fails.

import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './hybrid-cluster.js';

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/hsync, an empty database. */
  url: string;
  /** A further empty database on the same server. */
  createDatabase(name: string): string;
  stop(): Promise<void>;
}

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin dir, or null. */
function binDir(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(PG_ROOT, versions[0], 'bin') : null;
}

/** Why PostgreSQL tests cannot run here, or false when they can. Throws in CI instead of skipping. */
export function postgresMissing(): string | false {
  if (binDir() !== null) return false;
  const reason = `PostgreSQL not installed (no ${PG_ROOT}/*/bin/initdb; apt-get install postgresql)`;
  if (process.env.CI === 'true') throw new Error(`${reason}: CI must run the PostgreSQL tests`);
  return reason;
}

function postgresCanEnter(dir: string): boolean {
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir]).status === 0;
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  if (!bin) throw new Error('PostgreSQL not installed');
  // As root, the server runs as postgres and the temp dir is its own. The test run's temp
  // folder is root's alone (0700): then the dir goes in the system's, still removed after.
  const asRoot = process.getuid?.() === 0;
  const base = asRoot && !postgresCanEnter(tmpdir()) ? '/tmp' : tmpdir();
  const dir = mkdtempSync(join(base, 'hsync-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`start PostgreSQL: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
  const createDatabase = (name: string) => {
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]);
    return `postgres://postgres@127.0.0.1:${port}/${name}`;
  };
  let url: string;
  try {
    url = createDatabase('hsync');
  } catch (error) {
    run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    createDatabase,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
