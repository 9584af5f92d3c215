// The in-house server: metadata service + block service in one process, over one SQLite
// database (or a PostgreSQL database, `dbUrl`) and one block directory under `dataDir`.
// The desktop app embeds it through startServer; `hsync server` runs it from the command line.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthResponse } from '../shared/common/protocol.js';
import { BlockFiles } from './blocks/block-files.js';
import { blockRoutes } from './blocks/block-routes.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_MS, REQUEST_TIMEOUT_MS, TIMEOUT_CHECK_MS } from '../shared/common/limits.js';
import { Admission } from './http/admission.js';
import { sendJson } from './http/respond.js';
import { createRouter, type Route } from './http/router.js';
import { Committer } from './meta/commit.js';
import { Longpolls } from './meta/longpoll.js';
import { metaRoutes } from './meta/meta-routes.js';
import { DEFAULT_RETENTION_DAYS } from './meta/retention.js';
import { startRetentionJob } from './meta/retention-job.js';
import { openPostgresStore } from './store/postgres-store.js';
import type { SqliteDriver } from './store/sqlite-driver.js';
import { SqliteMetaStore } from './store/sqlite-store.js';
import { startTierJobs } from './tiers/background-jobs.js';
import { openTiers, type TierOptions } from './tiers/open-tiers.js';
import { tieredBlockRoutes, tierRoutes } from './tiers/tier-routes.js';
import { WantedBlocks } from './tiers/wanted-blocks.js';

export interface ServerOptions {
  dataDir: string;
  /**
   * The metadata in PostgreSQL (postgres://USER@HOST:PORT/DB) instead of SQLite under
   * dataDir; several servers may share it (docs/deploy.md). Blocks stay where the tier
   * options say (dataDir, the block service, or the in-house cluster).
   */
  dbUrl?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /**
   * Hybrid storage (docs/hybrid-storage.md): the S3 tier, and in split mode (`--role meta`)
   * the separate block service. Absent: blocks live under dataDir only, as before.
   */
  /**
   * Days a revision that is not a file's newest is kept (docs/hybrid-storage.md "Retention");
   * default 30, 0 keeps every revision.
   */
  retentionDays?: number;
  /** The SQLite driver of the metadata database (server/store/sqlite-driver.ts); default native. */
  sqliteDriver?: SqliteDriver;
  /** The retention sweep's clock (tests move it forward); default Date.now. */
  retentionClock?: () => number;
  tiers?: Omit<TierOptions, 'dataDir'> & {
    /** Pause between repatriation checks, ms; 0 turns the job off. Default 30 s. */
    repatriateEveryMs?: number;
    /** Scrubber read rate, bytes/s; 0 turns it off. Default 10 MB/s. */
    scrubBytesPerSec?: number;
  };
}

export interface RunningServer {
  /** http://HOST:PORT with the port actually bound. */
  url: string;
  /** Stops accepting, lets in-flight requests finish (long-polls answer at once), closes the database. */
  close(): Promise<void>;
}

/** How long close() waits for in-flight requests before cutting their connections. */
const DRAIN_MS = 30_000;

/** Opens `dataDir` (creating it) and listens. Rejects when the address is in use. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const store = opts.dbUrl ? await openPostgresStore(opts.dbUrl) : SqliteMetaStore.open(opts.dataDir, opts.sqliteDriver);
  const serverId = await store.serverId();
  const files = new BlockFiles(opts.dataDir);
  files.init();
  const longpolls = new Longpolls();
  const committer = new Committer(store);
  // Commits made through other servers on the same database wake this one's long-polls too.
  try {
    await store.listen((namespaceId) => (namespaceId === null ? longpolls.notifyAll() : longpolls.notify(namespaceId)));
  } catch (error) {
    await store.close();
    throw error;
  }

  const health: Route = {
    method: 'GET',
    path: '/v1/health',
    auth: false,
    handle(ctx) {
      const answer: HealthResponse = { ok: true, serverId };
      sendJson(ctx.res, 200, answer);
    },
  };
  const tierOptions = opts.tiers ?? {};
  // The tiers' index is in the same store (store.tiers, server/tiers/tier-store.ts).
  const tiers = openTiers(store, { ...tierOptions, dataDir: opts.dataDir, files });
  // In-house blocks live beyond this process (a block service or an S3-compatible cluster):
  // the block routes hand them to the tier service rather than writing under dataDir.
  const split = tierOptions.blockService !== undefined || Boolean(tierOptions.inhouseS3);
  const wanted = new WantedBlocks(tiers.service.index, (namespaceId) => longpolls.notify(namespaceId));
  const stored = (namespaceId: number, hashes: readonly string[]) => wanted.stored(namespaceId, hashes);
  const routes = [
    health,
    ...tierRoutes(tiers.service, { split, wanted }),
    ...tieredBlockRoutes(blockRoutes({ store, files, stored }), tiers.service, { split, wanted }),
    ...metaRoutes({ serverId, store, committer, longpolls, wantedCount: (namespaceId) => wanted.count(namespaceId), wantedSeq: (namespaceId) => wanted.seqOf(namespaceId) }),
  ];
  const authenticator = (token: string) => store.authenticate(token);
  let closing = false;
  const listener = createRouter(routes, authenticator, { admission: new Admission(), hidePaths: [opts.dataDir] });
  // Headers that dribble in are cut at HEADERS_TIMEOUT_MS (checked every TIMEOUT_CHECK_MS,
  // not Node's default 30 s), a whole request at REQUEST_TIMEOUT_MS, a stalled body at
  // BODY_IDLE_MS (http/body.ts). A long-poll's wait is not limited by these: its request
  // has arrived whole.
  const server: Server = createServer(
    { keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_MS },
    (req, res) => {
      if (closing) res.setHeader('connection', 'close');
      listener(req, res);
    },
  );

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 8787, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    tiers.close();
    await store.close();
    throw error;
  }
  const jobs = startTierJobs(tiers.service, {
    repatriateEveryMs: tierOptions.s3 ? (tierOptions.repatriateEveryMs ?? 30_000) : 0,
    scrubBytesPerSec: tierOptions.scrubBytesPerSec ?? 10_000_000,
  });
  // The retention sweep runs on SQLite only for now: on PostgreSQL every revision is kept
  // (docs/hybrid-storage.md "Retention").
  const retention =
    store instanceof SqliteMetaStore
      ? startRetentionJob({
          db: store.db,
          index: store.tierIndex,
          files: split ? null : files,
          tiers: tiers.service,
          retentionDays: opts.retentionDays ?? DEFAULT_RETENTION_DAYS,
          now: opts.retentionClock ?? Date.now,
        })
      : { stop: async () => undefined };
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | null = null;
  return {
    url,
    close() {
      closed ??= (async () => {
        closing = true;
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        longpolls.closeAll();
        server.closeIdleConnections();
        // Connections that finish their request after this point are closed by the header above.
        const drain = setInterval(() => server.closeIdleConnections(), 50);
        const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        await done;
        clearInterval(drain);
        clearTimeout(cut);
        await jobs.stop();
        await retention.stop();
        tiers.close();
        await store.close();
      })();
      return closed;
    },
  };
}

/**
 * Creates user `name` (with a home namespace) in `dataDir`, or in the PostgreSQL database
 * `dbUrl` when given, and returns its new token. Throws SyncError 'bad_request' when the
 * name is malformed or taken. Safe to call while a server runs on the same data (the
 * database serialises the writers).
 */
export async function addUser(dataDir: string, name: string, dbUrl?: string, sqliteDriver?: SqliteDriver): Promise<string> {
  const store = dbUrl ? await openPostgresStore(dbUrl) : SqliteMetaStore.open(dataDir, sqliteDriver);
  try {
    return await store.createUser(name);
  } finally {
    await store.close();
  }
}
