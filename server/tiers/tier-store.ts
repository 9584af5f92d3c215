// The tier index behind the metadata store (store/meta-store.ts): every TierIndex question
// and record, asynchronous, so that the same tier code runs on SQLite (tier-index.ts, run
// at once) and on PostgreSQL (store/postgres-tiers.ts, over the network). The SQLite
// TierIndex is the reference: both answer the same values in the same order.

import type { TierIndex } from './tier-index.js';

/** The methods of TierIndex, each answering a promise. */
export type TierStore = {
  [K in Exclude<keyof TierIndex, 'db'>]: TierIndex[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;
};

/** Every method name of TierStore, for wrapping a TierIndex. */
const METHODS = (index: TierIndex) =>
  Object.getOwnPropertyNames(Object.getPrototypeOf(index)).filter(
    (name) => name !== 'constructor' && name !== 'q' && typeof (index as unknown as Record<string, unknown>)[name] === 'function',
  ) as (keyof TierStore)[];

/**
 * `index`'s methods behind promises, each run through `run` (which decides when: at once
 * inside a transaction, or after the open transactions outside one).
 */
export function tierStoreOf(index: TierIndex, run: <T>(body: () => T) => Promise<T>): TierStore {
  const store: Record<string, unknown> = {};
  for (const name of METHODS(index)) {
    const method = (index[name] as (...args: unknown[]) => unknown).bind(index);
    store[name] = (...args: unknown[]) => run(() => method(...args));
  }
  return store as TierStore;
}
