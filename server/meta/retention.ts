// Retention (docs/hybrid-storage.md "Retention"): revisions older than the retention that are
// not a path's newest entry leave the journal, then the blocks no remaining revision of any
// namespace references are freed from every tier: in-house loose files, in-house packs once
// no block in them is left, the block service's files in split mode (a signed DELETE), the
// objects of an S3-compatible in-house cluster (a DeleteObject), S3 objects through the S3
// sweep (sweepS3). A block is never freed
// while a live file or a kept revision uses it, nor while an upload of it may still be
// committed: its ownership rows must be older than the grace period, and a block the store
// wrote moments ago (its rows not recorded yet) is left for the next pass.

import { readdir, stat } from 'node:fs/promises';
import type { BlockFiles } from '../blocks/block-files.js';
import type { Db } from '../store/database.js';
import { sweepS3 } from '../tiers/repatriate.js';
import { S3Inhouse } from '../tiers/s3-inhouse.js';
import type { TierIndex } from '../tiers/tier-index.js';
import type { TierService } from '../tiers/tier-service.js';

export const DEFAULT_RETENTION_DAYS = 30;
/** How long after its last verified upload a block stays, referenced or not: its commit may still come. */
export const UPLOAD_GRACE_MS = 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
const SLICE = 512;

export interface RetentionDeps {
  db: Db;
  /** The tier index over `db`, read and written inside the sweep's synchronous transaction. */
  index: TierIndex;
  /**
   * The in-house block files; null when the in-house tier lives beyond this process: then
   * the block service (tiers.deps.remote) or the S3-compatible cluster (tiers.deps.inhouse)
   * is asked to free them.
   */
  files: BlockFiles | null;
  tiers: TierService;
  retentionDays: number;
  now: () => number;
  graceMs?: number;
}

export interface RetentionResult {
  revisions: number;
  blocks: number;
  bytes: number;
  packs: number;
  s3Copies: number;
  /** In-house copies the block service or cluster kept (written lately) or failed to free. */
  unfreed: number;
  /** Why the first of those that failed did, for the log; null when none failed. */
  unfreedReason: string | null;
}

/** An in-house store beyond this process that frees a block: false when it kept it. */
interface FreesBlocks {
  free(hash: string): Promise<boolean>;
}

interface Candidate {
  hash: string;
  size: number;
  tier: string;
  pack: string | null;
}

export async function sweepRetention(deps: RetentionDeps): Promise<RetentionResult> {
  const { db, files, tiers } = deps;
  const now = deps.now();
  const result: RetentionResult = { revisions: 0, blocks: 0, bytes: 0, packs: 0, s3Copies: 0, unfreed: 0, unfreedReason: null };
  // The cluster is written by this process, so it knows what it wrote lately; the block service decides that itself.
  const cluster = files === null && tiers.deps.inhouse instanceof S3Inhouse ? tiers.deps.inhouse : null;
  const elsewhere: FreesBlocks | null = files === null ? (cluster ?? tiers.deps.remote) : null;
  result.revisions = db
    .prepare(
      `DELETE FROM journal WHERE committed_at < ? AND EXISTS (
         SELECT 1 FROM journal newer WHERE newer.namespace_id = journal.namespace_id AND newer.path = journal.path AND newer.id > journal.id)`,
    )
    .run(now - deps.retentionDays * DAY_MS).changes;

  const referenced = new References(db);
  const cutoff = now - (deps.graceMs ?? UPLOAD_GRACE_MS);
  // Unreferenced at the snapshot, and no upload since the cutoff; each is checked again below.
  const candidates = (
    db
      .prepare(
        `SELECT b.hash, b.size, b.tier, b.pack FROM blocks b
         WHERE MAX(b.created_at, COALESCE((SELECT MAX(COALESCE(o.owned_at, 0)) FROM block_owners o WHERE o.hash = b.hash), 0)) < ?`,
      )
      .all(cutoff) as Candidate[]
  ).filter((c) => !referenced.has(c.hash));
  const ownedSince = db.prepare('SELECT 1 FROM block_owners WHERE hash = ? AND owned_at >= ?').pluck();
  const freeStmts = ['DELETE FROM block_owners WHERE hash = ?', 'DELETE FROM corrupt_blocks WHERE hash = ?', 'DELETE FROM blocks WHERE hash = ?'].map((sql) => db.prepare(sql));
  for (let i = 0; i < candidates.length; i += SLICE) {
    const loose: Promise<void>[] = [];
    const remote: string[] = [];
    // One synchronous transaction: nothing commits or uploads between the checks and the deletes.
    db.transaction(() => {
      referenced.catchUp();
      for (const c of candidates.slice(i, i + SLICE)) {
        if (referenced.has(c.hash) || ownedSince.get(c.hash, cutoff) !== undefined) continue;
        if (files ? files.wroteLately(c.hash) : cluster?.wroteLately(c.hash)) continue;
        for (const stmt of freeStmts) stmt.run(c.hash);
        if (deps.index.inS3(c.hash)) {
          deps.index.markForSweep(c.hash, now);
          result.s3Copies++;
        }
        if (files && c.tier === 'inhouse' && c.pack === null) loose.push(files.freeLoose(c.hash));
        if (elsewhere && c.tier === 'inhouse') remote.push(c.hash);
        result.blocks++;
        result.bytes += c.size;
      }
    })();
    await Promise.all(loose);
    // After the rows are gone, so an upload from here on is one the store keeps.
    if (elsewhere) await freeElsewhere(elsewhere, remote, result);
  }
  if (files) result.packs = await freePacks(db, files, cutoff);
  // The S3 copies marked above go now (their grace was the upload grace), packs once empty.
  if (result.s3Copies > 0) await sweepS3(tiers, now);
  return result;
}

/**
 * Asks `store` to free `hashes`, 8 at a time, and counts in `result` those it kept or failed
 * to free: they stay in the store without rows, unused (a later upload writes them again).
 */
async function freeElsewhere(store: FreesBlocks, hashes: readonly string[], result: RetentionResult): Promise<void> {
  for (let i = 0; i < hashes.length; i += 8) {
    const answers = await Promise.allSettled(hashes.slice(i, i + 8).map((hash) => store.free(hash)));
    for (const answer of answers) {
      if (answer.status === 'fulfilled' && answer.value) continue;
      result.unfreed++;
      if (answer.status === 'rejected') result.unfreedReason ??= (answer.reason as Error).message;
    }
  }
}

/** In-house pack files no block row points into, written before `cutoff` (by their mtime). */
async function freePacks(db: Db, files: BlockFiles, cutoff: number): Promise<number> {
  const used = new Set(db.prepare('SELECT DISTINCT pack FROM blocks WHERE pack IS NOT NULL').pluck().all() as string[]);
  const usedNow = db.prepare('SELECT 1 FROM blocks WHERE pack = ? LIMIT 1');
  let freed = 0;
  for (const name of await readdir(files.packsDir)) {
    if (used.has(name) || files.wroteLately(name)) continue;
    const info = await stat(files.packPath(name)).catch(() => null);
    if (!info || info.mtimeMs >= cutoff) continue;
    // Checked again now: a batch may have recorded rows into it while we looked.
    if (usedNow.get(name) !== undefined) continue;
    await files.freePack(name);
    freed++;
  }
  return freed;
}

/** Every block hash the journal references, kept current with entries appended since. */
class References {
  private readonly hashes = new Set<string>();
  private readonly heads = new Map<number, number>();

  constructor(private readonly db: Db) {
    for (const row of db.prepare('SELECT namespace_id AS ns, id, blocks FROM journal').iterate() as Iterable<{ ns: number; id: number; blocks: string }>) {
      this.add(row.blocks);
      if (row.id > (this.heads.get(row.ns) ?? 0)) this.heads.set(row.ns, row.id);
    }
  }

  has(hash: string): boolean {
    return this.hashes.has(hash);
  }

  /** Adds what was committed (or restored) since the last look. */
  catchUp(): void {
    const namespaces = this.db.prepare('SELECT id, head FROM namespaces').all() as { id: number; head: number }[];
    const since = this.db.prepare('SELECT id, blocks FROM journal WHERE namespace_id = ? AND id > ?');
    for (const ns of namespaces) {
      const seen = this.heads.get(ns.id) ?? 0;
      if (ns.head <= seen) continue;
      for (const row of since.all(ns.id, seen) as { id: number; blocks: string }[]) this.add(row.blocks);
      this.heads.set(ns.id, ns.head);
    }
  }

  private add(blocks: string): void {
    for (let i = 0; i < blocks.length; i += 64) this.hashes.add(blocks.slice(i, i + 64));
  }
}
