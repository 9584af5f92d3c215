// Hears the commits of every process sharing a PostgreSQL database (MetaStore.listen): one
// connection of its own LISTENs on the channel the journal's trigger notifies
// (postgres-schema.ts, migration 3). A lost connection is opened again after a pause, and
// the listener is told it may have missed some (wake(null)): long-polls then look again.

import pg from 'pg';

export const JOURNAL_CHANNEL = 'hsync_journal';
const RETRY_MS = 1000;

export interface CommitListener {
  close(): Promise<void>;
}

export async function listenForCommits(config: pg.ClientConfig, wake: (namespaceId: number | null) => void): Promise<CommitListener> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;

  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    next.on('notification', (message) => {
      const id = Number(message.payload);
      if (Number.isSafeInteger(id)) wake(id);
    });
    const lost = () => {
      if (closed || client !== next) return;
      client = null;
      next.end().catch(() => undefined);
      retry = setTimeout(reconnect, RETRY_MS);
      retry.unref();
    };
    next.on('error', lost);
    next.on('end', lost);
    client = next;
    await next.connect();
    await next.query(`LISTEN ${JOURNAL_CHANNEL}`);
  };
  const reconnect = () => {
    retry = null;
    connect().then(
      () => wake(null),
      () => {
        if (closed) return;
        client = null;
        retry = setTimeout(reconnect, RETRY_MS);
        retry.unref();
      },
    );
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => undefined);
    },
  };
}
