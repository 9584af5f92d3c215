// The metadata service's routes: account, commit, list, longpoll, pending, revisions, restore.

import { SyncError } from '../../shared/common/errors.js';
import { pathProblem } from '../../shared/common/paths.js';
import type {
  AccountResponse,
  CommitResponse,
  JournalEntry,
  ListResponse,
  LongpollResponse,
  PendingResponse,
  RestoreResponse,
  RevisionsResponse,
} from '../../shared/common/protocol.js';
import {
  DEFAULT_LIST_LIMIT,
  DEFAULT_REVISIONS_LIMIT,
  MAX_COMMIT_BYTES,
  MAX_COMMIT_CHANGES,
  MAX_LIST_LIMIT,
  MAX_LONGPOLL_SECONDS,
  MAX_PAGE_BLOCKS,
  MAX_REVISIONS_LIMIT,
  MAX_SMALL_JSON_BYTES,
} from '../../shared/common/limits.js';
import { readJson } from '../http/body.js';
import { sendJson } from '../http/respond.js';
import { callerOf, type Route } from '../http/router.js';
import type { Committer } from './commit.js';
import type { MetaReads } from '../store/meta-store.js';
import type { Longpolls } from './longpoll.js';
import { PendingUploads } from './pending-uploads.js';


export interface MetaServiceDeps {
  serverId: string;
  store: MetaReads;
  committer: Committer;
  longpolls: Longpolls;
  /** Uploads under way (hints for other devices); one in memory when not given. */
  pending?: PendingUploads;
  /** How many blocks a namespace is asked to upload again (WantedBlocks.count); none when not given. */
  wantedCount?: (namespaceId: number) => Promise<number>;
  /** Grows each time the namespace's wanted list changes (WantedBlocks.seqOf). */
  wantedSeq?: (namespaceId: number) => number;
}

/** An integer query parameter within [min, max], or `fallback` when absent. */
function intParam(url: URL, name: string, fallback: number | undefined, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) {
    if (fallback === undefined) throw new SyncError('bad_request', `${url.pathname}: missing "${name}"`);
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new SyncError('bad_request', `${url.pathname}: "${name}" must be a whole number from ${min} to ${max}, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

/**
 * Cuts a page fetched with one entry beyond `limit` to at most `limit` entries and
 * MAX_PAGE_BLOCKS block hashes (always keeping one entry); true when more entries follow.
 */
function cutPage(entries: JournalEntry[], limit: number): boolean {
  let keep = Math.min(entries.length, limit);
  let blocks = 0;
  for (let i = 0; i < keep; i++) {
    blocks += entries[i].blocks.length;
    if (i > 0 && blocks > MAX_PAGE_BLOCKS) keep = i;
  }
  const hasMore = entries.length > keep;
  entries.length = keep;
  return hasMore;
}

function deviceOf(body: Record<string, unknown>, what: string): string {
  const device = body.device;
  if (typeof device !== 'string' || device.length === 0 || device.length > 200) {
    throw new SyncError('bad_request', `${what}: "device" must be a string of 1-200 characters`);
  }
  return device;
}

export function metaRoutes(deps: MetaServiceDeps): Route[] {
  const { serverId, store, committer, longpolls } = deps;
  const pending = deps.pending ?? new PendingUploads();
  const wantedCount = deps.wantedCount ?? (async () => 0);
  const wantedSeq = deps.wantedSeq ?? (() => 0);
  return [
    {
      method: 'GET',
      path: '/v1/account',
      auth: true,
      handle(ctx) {
        const caller = callerOf(ctx);
        const answer: AccountResponse = { user: caller.user, namespace: caller.namespace, serverId, waitingLongpolls: longpolls.waiting(caller.namespaceId) };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'POST',
      path: '/v1/commit',
      auth: true,
      async handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const body = await readJson(ctx.req, MAX_COMMIT_BYTES, 'commit');
        const device = deviceOf(body, 'commit');
        if (!Array.isArray(body.changes)) throw new SyncError('bad_request', 'commit: "changes" must be an array');
        if (body.changes.length > MAX_COMMIT_CHANGES) throw new SyncError('too_large', `commit: ${body.changes.length} changes, at most ${MAX_COMMIT_CHANGES} per request`);
        const before = await store.head(namespaceId);
        const answer: CommitResponse = await committer.commit(namespaceId, device, body.changes);
        const announced = pending.record(namespaceId, device, body.changes, answer.results);
        if (answer.cursor !== before || announced) longpolls.notify(namespaceId);
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/v1/list',
      auth: true,
      async handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const cursor = intParam(ctx.url, 'cursor', 0, 0, Number.MAX_SAFE_INTEGER);
        const limit = intParam(ctx.url, 'limit', DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT);
        const entries = await store.list(namespaceId, cursor, limit + 1);
        const hasMore = cutPage(entries, limit);
        const answer: ListResponse = { entries, cursor: entries.at(-1)?.id ?? cursor, hasMore };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/v1/longpoll',
      auth: true,
      longpoll: true,
      async handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const cursor = intParam(ctx.url, 'cursor', undefined, 0, Number.MAX_SAFE_INTEGER);
        const timeout = intParam(ctx.url, 'timeout', 30, 0, MAX_LONGPOLL_SECONDS);
        // A client that says which pending uploads it has seen (`pending=P`) hears of newer
        // ones at once and gets the pending fields; one that does not sees the answers it
        // always did: an announcement does not end its wait.
        const asks = ctx.url.searchParams.has('pending');
        const seen = intParam(ctx.url, 'pending', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
        const newPending = () => asks && pending.seqOf(namespaceId) > seen && pending.has(namespaceId);
        // Likewise `wanted=W`: the count of blocks the namespace is asked for, as last seen,
        // and `wantedSeq=Q`: the list's changes seen, so a want made and ended between two
        // polls (the count back at W) still wakes the device whose download failed on it.
        const asksWanted = ctx.url.searchParams.has('wanted');
        const seenWanted = intParam(ctx.url, 'wanted', 0, 0, Number.MAX_SAFE_INTEGER);
        const asksWantedSeq = asksWanted && ctx.url.searchParams.has('wantedSeq');
        const seenWantedSeq = intParam(ctx.url, 'wantedSeq', 0, 0, Number.MAX_SAFE_INTEGER);
        const wantedChanged = async () =>
          asksWanted && ((await wantedCount(namespaceId)) !== seenWanted || (asksWantedSeq && wantedSeq(namespaceId) !== seenWantedSeq));
        const quiet = async () => (await store.head(namespaceId)) <= cursor && !newPending() && !(await wantedChanged());
        const until = Date.now() + timeout * 1000;
        if (timeout > 0 && (await quiet())) {
          const gone = new AbortController();
          ctx.res.on('close', () => gone.abort());
          while ((await quiet()) && Date.now() < until) {
            const woke = await longpolls.wait(namespaceId, until - Date.now(), gone.signal);
            if (gone.signal.aborted) return;
            if (!woke) break; // timed out, or the server is shutting down: answer now
          }
        }
        const head = await store.head(namespaceId);
        const answer: LongpollResponse = { changes: head > cursor, cursor: head };
        if (asks) Object.assign(answer, { pending: pending.has(namespaceId), pendingSeq: pending.seqOf(namespaceId) });
        if (asksWanted) Object.assign(answer, { wanted: await wantedCount(namespaceId), wantedSeq: wantedSeq(namespaceId) });
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/v1/pending',
      auth: true,
      handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const answer: PendingResponse = { uploads: pending.list(namespaceId), pendingSeq: pending.seqOf(namespaceId) };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'GET',
      path: '/v1/revisions',
      auth: true,
      async handle(ctx) {
        const raw = ctx.url.searchParams.get('path');
        const problem = pathProblem(raw);
        if (problem) throw new SyncError('invalid_path', `revisions ${JSON.stringify(raw)}: ${problem}`);
        const limit = intParam(ctx.url, 'limit', DEFAULT_REVISIONS_LIMIT, 1, MAX_REVISIONS_LIMIT);
        const before = intParam(ctx.url, 'before', Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
        const revisions = await store.revisions(callerOf(ctx).namespaceId, raw!.normalize('NFC'), before, limit + 1);
        const answer: RevisionsResponse = { revisions, hasMore: cutPage(revisions, limit) };
        sendJson(ctx.res, 200, answer);
      },
    },
    {
      method: 'POST',
      path: '/v1/restore',
      auth: true,
      async handle(ctx) {
        const namespaceId = callerOf(ctx).namespaceId;
        const body = await readJson(ctx.req, MAX_SMALL_JSON_BYTES, 'restore');
        const device = deviceOf(body, 'restore');
        const entry = await committer.restore(namespaceId, device, body.path, body.rev);
        longpolls.notify(namespaceId);
        const answer: RestoreResponse = { entry };
        sendJson(ctx.res, 200, answer);
      },
    },
  ];
}
