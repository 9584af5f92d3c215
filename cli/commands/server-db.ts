// Where `hsync server` and its subcommands find the metadata: the PostgreSQL database of
// --db / $HSYNC_DB_URL, or the SQLite database under --data (docs/deploy.md).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SyncError } from '../../shared/common/errors.js';
import type { MetaStore } from '../../server/store/meta-store.js';
import { openPostgresStore } from '../../server/store/postgres-store.js';
import { SqliteMetaStore } from '../../server/store/sqlite-store.js';
import { UsageError, type Parsed } from '../args.js';

export const DB_OPTION = { db: { type: 'string' } } as const;

export const DB_HELP = `  --db URL      the metadata in PostgreSQL, postgres://USER[:PASSWORD]@HOST:PORT/DB, instead
                of the SQLite database under --data (default: $HSYNC_DB_URL)`;

/** The PostgreSQL URL of --db or $HSYNC_DB_URL, or undefined for the SQLite database under --data. */
export function dbUrlOf(args: Parsed, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = (args.values.db as string | undefined) ?? (env.HSYNC_DB_URL || undefined);
  if (url !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(url)) {
    throw new UsageError(`--db must be a postgres://USER@HOST:PORT/DB URL, got "${hidePassword(url)}"`);
  }
  return url;
}

export const hidePassword = (url: string) => url.replace(/:[^:@/]*@/, ':***@');

/**
 * The metadata a server has used: the database at `url`, or the SQLite database in
 * `dataDir`, which must exist (a mistyped --data must not create an empty one).
 */
export async function openExistingStore(url: string | undefined, dataDir: string): Promise<MetaStore> {
  if (url) return openPostgresStore(url);
  if (!existsSync(join(dataDir, 'server.db'))) {
    throw new SyncError('not_found', `open server data ${dataDir}: no server.db there (is --data right?)`);
  }
  return SqliteMetaStore.open(dataDir);
}
