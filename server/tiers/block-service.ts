// The block service on its own (`hsync server --role blocks`): a hash-verifying,
// content-addressed store that knows nothing of users. Every request carries a grant
// signed by the metadata service with the shared key (server/signing/block-grant.ts);
// the grant names the method, the block and an expiry, and nothing else is trusted.
// A PUT granted to a namespace leaves a mark under <data>/uploads/<ns>/<hash> once the
// bytes hashed right; POST (a CONFIRM grant for that namespace) answers from the mark, so
// the metadata side records ownership only for a namespace that sent the bytes itself
// (docs/hybrid-storage.md, "Ownership"). DELETE (a grant only the metadata service's
// retention sweep makes) frees a block no revision uses any more; one written moments ago
// is kept, since an upload for a new commit may have raced the sweep (docs/protocol.md).
//
// Blocks are loose files under <data>/blocks/<aa>/<hash>, written as in the single
// process: temp file, hash while streaming, fsync, rename, fsync the directory.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SyncError } from '../../shared/common/errors.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../shared/node/private-files.js';
import { BlockFiles } from '../blocks/block-files.js';
import { receiveBlock } from '../blocks/put-block.js';
import { sendJson } from '../http/respond.js';
import { createRouter, type Context, type Route } from '../http/router.js';
import { checkGrant } from '../signing/block-grant.js';
import { checkBytes } from './inhouse-store.js';

export interface BlockServiceOptions {
  dataDir: string;
  /** The keys grants may be signed with (secret-file.ts: rotation keeps the old one a while). */
  key: Buffer | readonly Buffer[];
  host?: string;
  port?: number;
  /** Clock in Unix seconds, for grant expiry (tests move it). */
  nowSec?: () => number;
}

export interface RunningBlockService {
  url: string;
  close(): Promise<void>;
}

export async function startBlockService(opts: BlockServiceOptions): Promise<RunningBlockService> {
  const files = new BlockFiles(opts.dataDir);
  files.init();
  const nowSec = opts.nowSec ?? (() => Math.floor(Date.now() / 1000));
  const host = opts.host ?? '127.0.0.1';

  const grantOf = (ctx: Context): { hash: string; namespace?: string } => {
    const hash = ctx.params[0];
    const check = checkGrant(opts.key, ctx.req.method ?? '', hash, ctx.url.searchParams, nowSec());
    if (!check.ok) {
      // Closing the connection keeps a refused upload from being read to its end.
      throw new SyncError('forbidden', `${ctx.req.method} block ${hash.slice(0, 64)}: ${check.reason}`);
    }
    return { hash, namespace: check.grant.namespace };
  };
  const granted = (ctx: Context): string => grantOf(ctx).hash;
  // The namespace is signed, but it still names a directory: digits only.
  const uploadMark = (namespace: string | undefined, hash: string): string | null =>
    namespace !== undefined && /^\d{1,15}$/.test(namespace) ? join(opts.dataDir, 'uploads', namespace, hash) : null;
  const existing = async (hash: string): Promise<{ size: number; good: boolean } | null> => {
    try {
      const bytes = await readFile(files.loosePath(hash));
      try {
        checkBytes(hash, bytes, files.blocksDir);
        return { size: bytes.length, good: true };
      } catch {
        return { size: bytes.length, good: false };
      }
    } catch {
      return null;
    }
  };

  const block = /^\/v1\/blocks\/([^/]*)$/;
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/v1/health',
      auth: false,
      handle: (ctx) => sendJson(ctx.res, 200, { ok: true, role: 'blocks' }),
    },
    {
      method: 'PUT',
      path: block,
      auth: false,
      async handle(ctx) {
        const { hash, namespace } = grantOf(ctx);
        // Written whether or not a copy is here (put-block.ts), and always answered 201: a
        // stored block must not answer differently or faster, or the answer would tell
        // the uploader that another namespace has it. A corrupt copy is healed.
        const size = await receiveBlock(ctx.req, files, hash);
        const mark = uploadMark(namespace, hash);
        if (mark) {
          await mkdir(dirname(mark), { recursive: true, mode: PRIVATE_DIR_MODE });
          await writeFile(mark, '', { mode: PRIVATE_FILE_MODE });
        }
        sendJson(ctx.res, 201, { hash, size });
      },
    },
    {
      method: 'GET',
      path: block,
      auth: false,
      async handle(ctx) {
        const hash = granted(ctx);
        let bytes: Buffer;
        try {
          bytes = await readFile(files.loosePath(hash));
        } catch {
          throw new SyncError('not_found', `read block ${hash}: no such block`);
        }
        // Never serve a corrupt copy: the metadata side then reads the S3 copy instead.
        checkBytes(hash, bytes, 'the block service');
        ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
        ctx.res.end(bytes);
      },
    },
    {
      // Did the grant's namespace upload this block itself? The mark is used up; a block
      // nobody uploaded and one another namespace uploaded get the same 404.
      method: 'POST',
      path: block,
      auth: false,
      async handle(ctx) {
        const { hash, namespace } = grantOf(ctx);
        const mark = uploadMark(namespace, hash);
        const found = mark ? await stat(mark).then(() => true, () => false) : false;
        const held = found ? await existing(hash) : null;
        if (mark && found) await unlink(mark).catch(() => undefined);
        if (!held?.good) throw new SyncError('not_found', `confirm block ${hash}: no upload of it from this namespace`);
        sendJson(ctx.res, 200, { hash, size: held.size });
      },
    },
    {
      method: 'DELETE',
      path: block,
      auth: false,
      async handle(ctx) {
        const hash = granted(ctx);
        // The sweep dropped the block's rows before asking; an upload since then is for a
        // commit that will reference it, and its bytes stay (as BlockFiles does in one process).
        const freed = !files.wroteLately(hash);
        if (freed) await files.freeLoose(hash);
        sendJson(ctx.res, 200, { hash, freed });
      },
    },
    {
      method: 'HEAD',
      path: block,
      auth: false,
      async handle(ctx) {
        const hash = granted(ctx);
        try {
          const { size } = await stat(files.loosePath(hash));
          ctx.res.writeHead(200, { 'content-length': size }).end();
        } catch {
          ctx.res.writeHead(404).end();
        }
      },
    },
  ];
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, createRouter(routes, () => null));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8788, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
