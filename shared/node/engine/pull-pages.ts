// Reads the server's journal from a cursor to its end, page by page, asking for the next
// page while the current one is being stored: with 10,000 new entries that is 11 pages, and
// one after another each waited for the server's query and JSON plus our own parsing and
// index writes. Pages are still stored strictly in order, each with the cursor after it.

import { checkListPage, type CheckedPage } from '../remote/journal-check.js';
import type { RemoteStore } from '../remote/remote-store.js';

export const PAGE_SIZE = 1000;

/**
 * Lists from `cursor` until the server has no more, calling `store` for every page in order,
 * each checked first (journal-check.ts: bad entries set aside, a stuck cursor an error).
 * At most one request runs ahead. If `store` throws, that error is what this rejects with
 * (a request already under way is left to finish and its answer dropped).
 */
export async function pullPages(remote: Pick<RemoteStore, 'list'>, cursor: number, store: (page: CheckedPage) => void, pageSize = PAGE_SIZE): Promise<void> {
  let from = cursor;
  let next = remote.list(from, pageSize);
  for (;;) {
    const page = checkListPage(await next, from);
    from = page.cursor;
    if (page.hasMore) {
      next = remote.list(page.cursor, pageSize);
      next.catch(() => undefined); // awaited on the next turn; never unhandled if store throws
    }
    store(page);
    if (!page.hasMore) return;
  }
}
