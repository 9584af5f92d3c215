// A file's history as people read it: the server's revisions of one path, newest first,
// deletions included (what a restore can bring back). `hsync history` and the status
// window's Version history both list it from here.

import type { JournalEntry } from '../../common/protocol.js';
import type { FileRevision } from '../../common/sync-api.js';
import type { RemoteStore } from '../remote/remote-store.js';

export function revisionLines(entries: readonly JournalEntry[]): FileRevision[] {
  return entries.map((e) => ({ rev: e.rev, time: e.committedAt, device: e.device, size: e.size, deleted: e.deleted }));
}

export async function fileHistory(remote: Pick<RemoteStore, 'revisions'>, path: string): Promise<FileRevision[]> {
  return revisionLines(await remote.revisions(path));
}
