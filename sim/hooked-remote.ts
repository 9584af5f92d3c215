// A RemoteStore in front of the server model that lets a step act at an exact remote call:
// fail it ('unavailable', as a dropped connection), crash the client there, or run other
// steps first (the user editing, another device syncing) while this device waits.

import { SyncError } from '../shared/common/errors.js';
import type { RemoteStore } from '../shared/node/remote/remote-store.js';
import type { HookedCall, Step, SyncStep } from './steps.js';

export interface Hooks {
  step: SyncStep;
  /** Runs the `during` steps. */
  runNested: (steps: Step[]) => Promise<void>;
  /** Called once, at the crash or power cut, before the call fails. */
  onCrash: (kind: 'crash' | 'powerCut') => void;
}

const HOOKED: readonly HookedCall[] = ['list', 'commit', 'missingBlocks', 'putBlock', 'getBlock'];

export class HookedRemote {
  private hooks: Hooks | null = null;
  private readonly counts = new Map<HookedCall, number>();
  private crashed = false;
  /** A sync of this device is under way. */
  busy = false;
  readonly store: RemoteStore;

  constructor(inner: () => RemoteStore) {
    const remote = inner();
    const wrapped = { ...remote } as RemoteStore;
    for (const call of HOOKED) {
      const original = remote[call] as (...args: unknown[]) => Promise<unknown>;
      (wrapped as unknown as Record<string, unknown>)[call] = async (...args: unknown[]) => {
        await this.before(call);
        return original(...args);
      };
    }
    for (const call of ['account', 'longpoll', 'getBlocks', 'putBlocks', 'revisions', 'restore'] as const) {
      const original = remote[call] as (...args: unknown[]) => Promise<unknown>;
      (wrapped as unknown as Record<string, unknown>)[call] = async (...args: unknown[]) => {
        if (this.crashed) throw new SyncError('unavailable', `${call}: the client is gone`);
        return original(...args);
      };
    }
    this.store = wrapped;
  }

  /** Arms the hooks of one sync step (null: none). */
  arm(hooks: Hooks | null): void {
    this.hooks = hooks;
    this.busy = hooks !== null;
    this.counts.clear();
    this.crashed = false;
  }

  private async before(call: HookedCall): Promise<void> {
    if (this.crashed) throw new SyncError('unavailable', `${call}: the client is gone`);
    const hooks = this.hooks;
    if (!hooks) return;
    const nth = (this.counts.get(call) ?? 0) + 1;
    this.counts.set(call, nth);
    const { during, fail, crash, powerCut } = hooks.step;
    if (during && during.call === call && during.nth === nth) await hooks.runNested(during.steps);
    for (const [kind, at] of [['crash', crash], ['powerCut', powerCut]] as const) {
      if (!at || at.call !== call || at.nth !== nth) continue;
      this.crashed = true;
      hooks.onCrash(kind);
      throw new SyncError('unavailable', `${call}: the client ${kind === 'crash' ? 'crashed' : 'lost power'} here`);
    }
    if (fail && fail.call === call && fail.nth === nth) throw new SyncError('unavailable', `${call}: connection reset (simulated)`);
  }
}
