// `hsync server`: runs the in-house server, or manages its users (`hsync server user add`).

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SyncError } from '../../shared/common/errors.js';
import { addUser, startServer } from '../../server/index.js';
import { loadOrCreateKeys } from '../../server/signing/secret-file.js';
import { DEFAULT_RETENTION_DAYS } from '../../server/meta/retention.js';
import { startBlockService } from '../../server/tiers/block-service.js';
import { intOption, parse, stringOption, UsageError, type Parsed } from '../args.js';
import { migratePostgres } from '../../server/store/postgres-store.js';
import { DEFAULT_SQLITE_DRIVER, SQLITE_DRIVERS, type SqliteDriver } from '../../server/store/sqlite-driver.js';
import { copyToPostgres } from '../../server/store/copy-to-postgres.js';
import { DB_HELP, DB_OPTION, dbUrlOf, hidePassword } from './server-db.js';
import { TIER_HELP, TIER_OPTIONS, runNamespace, runRepatriate, runScrub, runStats, tierFlags } from './server-hybrid.js';

/** Where the server keeps its data unless --data says otherwise (XDG base directories). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'hybrid-sync', 'server');
}

export const help = `Usage: hsync server [--data DIR] [--db URL] [--host HOST] [--port PORT] [--retention-days N] [--sqlite-driver native|wasm] [--role all|meta|blocks] [tier options]
       hsync server user add NAME [--data DIR [--sqlite-driver native|wasm] | --db URL]
       hsync server migrate --db URL
       hsync server copy --data DIR --db URL
       hsync server namespace set-placement USER inhouse|s3 [--data DIR | --db URL]
       hsync server repatriate --once [--data DIR | --db URL] [tier options]
       hsync server scrub --once [--data DIR | --db URL] [tier options]
       hsync server stats [--data DIR | --db URL] [--json] [--price-inhouse N] [--price-s3 N]

Runs the in-house metadata and block server. When it is ready it prints one line,
"listening http://HOST:PORT". SIGTERM or SIGINT stops it: no new connections, requests in
flight finish, exit status 0.

Options:
  --data DIR    data directory (default: $XDG_DATA_HOME/hybrid-sync/server,
                or ~/.local/share/hybrid-sync/server); with --db it holds only the
                blocks (role all)
${DB_HELP};
                several servers may share one database (docs/deploy.md)
  --host HOST   address to listen on (default 127.0.0.1)
  --port PORT   port to listen on, 0 for any free port (default 8787; 8788 for --role blocks)
  --retention-days N
                keep revisions that are not a file's current version N days (default 30;
                0 keeps every revision); a sweep soon after start and then hourly drops
                older ones and frees the blocks no remaining revision uses (SQLite
                only: with --db every revision is kept for now)
  --sqlite-driver native|wasm
                how the SQLite metadata under --data is opened (default native:
                better-sqlite3, WAL). wasm (node-sqlite3-wasm) loads under any ABI, as
                the desktop app's embedded server inside Electron does; one process at a
                time on the data dir, so add users before starting it (docs/deploy.md)

${TIER_HELP}

Subcommands (each has --help):
  user add NAME                 create a user with a home folder; prints its access token
  migrate                       create or update the metadata tables in a PostgreSQL database
  copy                          move a data dir's metadata (SQLite) into an empty PostgreSQL database
  namespace set-placement U P   write user U's blocks in-house (default) or to S3 only
  repatriate --once             bring blocks held in S3 back in-house, then sweep S3
  scrub --once                  re-hash in-house blocks; heal from S3 or report
  stats                         blocks, bytes and monthly cost per storage tier`;

const userHelp = `Usage: hsync server user add NAME [--data DIR [--sqlite-driver native|wasm] | --db URL]

Creates user NAME (1-64 letters, digits, ".", "_", "@" or "-") with a home folder, and
prints a new access token on stdout. The token is shown only this once.

${DB_HELP}
  --sqlite-driver native|wasm
                how the SQLite database under --data is opened (default native; see
                hsync server --help)`;

const migrateHelp = `Usage: hsync server migrate --db URL

Applies the schema migrations the PostgreSQL database at URL lacks (postgres://USER@HOST:PORT/DB,
default $HSYNC_DB_URL), each once and in order, and prints the schema version. Safe to run
again, and beside other processes on the same database (they take turns). A SQLite data dir
needs no migrate: the server updates it at start.`;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'user') return runUser(argv.slice(1));
  if (argv[0] === 'migrate') return runMigrate(argv.slice(1));
  if (argv[0] === 'copy') return runCopy(argv.slice(1));
  if (argv[0] === 'namespace') return runNamespace(argv.slice(1), defaultDataDir());
  if (argv[0] === 'repatriate') return runRepatriate(argv.slice(1), defaultDataDir());
  if (argv[0] === 'scrub') return runScrub(argv.slice(1), defaultDataDir());
  if (argv[0] === 'stats') return runStats(argv.slice(1), defaultDataDir());
  const args = parse(argv, {
    data: { type: 'string' },
    ...DB_OPTION,
    host: { type: 'string' },
    port: { type: 'string' },
    'retention-days': { type: 'string' },
    'sqlite-driver': { type: 'string' },
    ...TIER_OPTIONS,
  });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  const dataDir = stringOption(args, 'data', defaultDataDir());
  const host = stringOption(args, 'host', '127.0.0.1');
  const tiers = tierFlags(args, dataDir);
  const port = intOption(args, 'port', tiers.role === 'blocks' ? 8788 : 8787, 0, 65535);
  const retentionDays = intOption(args, 'retention-days', DEFAULT_RETENTION_DAYS, 0, 36_500);
  const sqliteDriver = sqliteDriverOf(args);
  const dbUrl = tiers.role === 'blocks' ? undefined : dbUrlOf(args);
  if (tiers.role === 'blocks' && args.values.db !== undefined) throw new UsageError('--role blocks keeps no metadata: give --db to the meta role');
  let server;
  try {
    server =
      tiers.role === 'blocks'
        ? await startBlockService({ dataDir, host, port, key: loadOrCreateKeys(tiers.secretFile!) })
        : await startServer({ dataDir, dbUrl, host, port, tiers, retentionDays, sqliteDriver, retentionClock: testClock(process.env) });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'EADDRINUSE' ? 'address in use' : code === 'EACCES' ? 'permission denied' : message;
    console.error(`hsync server: start on ${host}:${port} with data ${dataDir}${dbUrl ? ` and database ${hidePassword(dbUrl)}` : ''}: ${reason}`);
    return 1;
  }
  console.log(`listening ${server.url}`);
  const running = server;
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      running.close().then(
        () => resolve(0),
        (error: unknown) => {
          console.error(`hsync server: stop: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** --sqlite-driver, checked. */
export function sqliteDriverOf(args: Parsed): SqliteDriver {
  const driver = stringOption(args, 'sqlite-driver', DEFAULT_SQLITE_DRIVER);
  if (!(SQLITE_DRIVERS as readonly string[]).includes(driver)) {
    throw new UsageError(`--sqlite-driver must be ${SQLITE_DRIVERS.join(' or ')}, got "${driver}"`);
  }
  return driver as SqliteDriver;
}

/**
 * HSYNC_TEST_CLOCK_OFFSET_MS moves the retention sweep's clock forward, so a test can see a
 * month pass (docs/testing.md); nothing else reads it.
 */
function testClock(env: NodeJS.ProcessEnv): (() => number) | undefined {
  const offset = Number(env.HSYNC_TEST_CLOCK_OFFSET_MS ?? '');
  return Number.isSafeInteger(offset) && offset > 0 ? () => Date.now() + offset : undefined;
}

async function runUser(argv: string[]): Promise<number> {
  const args = parse(argv, { data: { type: 'string' }, ...DB_OPTION, 'sqlite-driver': { type: 'string' } }, true);
  if (args.values.help) {
    console.log(userHelp);
    return 0;
  }
  const [action, name, ...extra] = args.positionals;
  if (action !== 'add') throw new UsageError(action === undefined ? 'user needs an action: add' : `unknown user action "${action}" (expected add)`);
  if (name === undefined) throw new UsageError('user add needs a NAME');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const token = await addUser(stringOption(args, 'data', defaultDataDir()), name, dbUrlOf(args), sqliteDriverOf(args));
  process.stdout.write(`${token}\n`);
  return 0;
}

async function runMigrate(argv: string[]): Promise<number> {
  const args = parse(argv, DB_OPTION);
  if (args.values.help) {
    console.log(migrateHelp);
    return 0;
  }
  const url = dbUrlOf(args);
  if (url === undefined) throw new UsageError('migrate needs --db URL (or HSYNC_DB_URL)');
  const { applied, version } = await migratePostgres(url);
  console.log(applied.length > 0 ? `schema version ${version} (applied ${applied.join(', ')})` : `schema version ${version} (up to date)`);
  return 0;
}

const copyHelp = `Usage: hsync server copy --data DIR --db URL

Copies the metadata of the server data dir DIR (its SQLite database: users and tokens,
every revision, block ownership, the tier index) into the PostgreSQL database at URL
(default $HSYNC_DB_URL), which must hold no users, revisions or blocks yet. One
transaction: all of it or nothing. Prints the rows copied per table, each table checked
against SQLite. Stop the server first; then start it as "hsync server --data DIR --db URL"
(the blocks stay in DIR). The SQLite database is only read.`;

async function runCopy(argv: string[]): Promise<number> {
  const args = parse(argv, { data: { type: 'string' }, ...DB_OPTION });
  if (args.values.help) {
    console.log(copyHelp);
    return 0;
  }
  const url = dbUrlOf(args);
  if (url === undefined) throw new UsageError('copy needs --db URL (or HSYNC_DB_URL)');
  const dataDir = stringOption(args, 'data', defaultDataDir());
  if (!existsSync(join(dataDir, 'server.db'))) throw new SyncError('not_found', `copy metadata: no server.db in ${dataDir} (is --data right?)`);
  let copied;
  try {
    copied = await copyToPostgres(dataDir, url);
  } catch (error) {
    if (error instanceof SyncError) throw error;
    throw new Error(`copy metadata to ${hidePassword(url)}: ${(error as Error).message}`);
  }
  for (const [table, rows] of copied) console.log(`${table}: ${rows} rows`);
  console.log(`copied the metadata of ${dataDir} to ${hidePassword(url)}; start the server with --data ${dataDir} --db URL`);
  return 0;
}
