// The folder's state machine and the events it emits (docs/engine.md "Folder state and
// events"). Every change a UI shows — a state change, a file synced, a problem found or
// gone, deletions held, a cycle finished — is one event with a sequence number; the status
// a UI shows is these events folded by applyFolderEvent. A UI or `hsync status --events`
// asks for the events after the last sequence number it saw (SyncApi.eventsSince).

import type { ErrorData } from './errors.js';
import type { ActivityItem, FileProblem, FolderState, PendingDeletes } from './sync-api.js';

/**
 * Which state may follow which. A cycle goes idle → scanning → syncing (→ scanning for the
 * next round) → idle; pause and failures may come at any point of it. A paused folder runs
 * no cycle, so from paused only resume (→ idle) leads on, or a restore of held deletions
 * the user asked for (→ syncing → paused). Staying in a state is always allowed (the error
 * may change). Anything else is a defect of the engine: it is counted (StatusTracker
 * .illegalTransitions) and the simulation fails on it.
 */
export const FOLDER_TRANSITIONS: Readonly<Record<FolderState, readonly FolderState[]>> = {
  idle: ['scanning', 'syncing', 'paused', 'offline', 'error'],
  scanning: ['syncing', 'idle', 'paused', 'offline', 'error'],
  syncing: ['scanning', 'idle', 'paused', 'offline', 'error'],
  paused: ['idle', 'syncing'],
  offline: ['scanning', 'syncing', 'idle', 'paused', 'error'],
  error: ['scanning', 'syncing', 'idle', 'paused', 'offline'],
};

export function isAllowedTransition(from: FolderState, to: FolderState): boolean {
  return from === to || FOLDER_TRANSITIONS[from].includes(to);
}

/** A file problem as the engine records it: 'skip' the scan leaves the path out, 'fail' a step failed. */
export interface RecordedProblem extends FileProblem {
  kind: 'skip' | 'fail';
}

/** What happened, in the past tense. */
export type FolderFact =
  | { type: 'state-changed'; from: FolderState; to: FolderState; error: ErrorData | null }
  | { type: 'file-synced'; item: ActivityItem }
  | { type: 'problem-found'; problem: RecordedProblem }
  | { type: 'problem-cleared'; path: string }
  | { type: 'warning-raised'; message: string }
  | { type: 'deletes-held'; pendingDeletes: PendingDeletes | null }
  | { type: 'cycle-finished' };

export type FolderEvent = FolderFact & { seq: number; at: number };

/** The answer to eventsSince(seq). */
export interface EventPage {
  /** The events after the asked-for sequence number, oldest first. */
  events: FolderEvent[];
  /** The newest sequence number: ask for the events after it next time. */
  seq: number;
  /** Events between the asked-for number and the first one returned were no longer kept: read getStatus() again. */
  missed: boolean;
}

/** The part of the status that is a fold of the events. */
export interface FolderView {
  state: FolderState;
  error: ErrorData | null;
  /** Newest first, at most RECENT_LIMIT. */
  recent: ActivityItem[];
  problems: Map<string, RecordedProblem>;
  warnings: Set<string>;
  pendingDeletes: PendingDeletes | null;
  lastSyncedAt: number | null;
}

export const RECENT_LIMIT = 50;

export function emptyFolderView(): FolderView {
  return { state: 'idle', error: null, recent: [], problems: new Map(), warnings: new Set(), pendingDeletes: null, lastSyncedAt: null };
}

/**
 * Folds one event into the view. It changes `view` in place (a status with 500 problems is
 * not copied for every file synced); given the same events from the same start it always
 * ends in the same view.
 */
export function applyFolderEvent(view: FolderView, event: FolderEvent): void {
  switch (event.type) {
    case 'state-changed':
      view.state = event.to;
      view.error = event.error;
      return;
    case 'file-synced':
      view.recent.unshift(event.item);
      if (view.recent.length > RECENT_LIMIT) view.recent.length = RECENT_LIMIT;
      return;
    case 'problem-found':
      view.problems.set(event.problem.path, event.problem);
      return;
    case 'problem-cleared':
      view.problems.delete(event.path);
      return;
    case 'warning-raised':
      view.warnings.add(event.message);
      return;
    case 'deletes-held':
      view.pendingDeletes = event.pendingDeletes;
      return;
    case 'cycle-finished':
      view.lastSyncedAt = event.at;
      return;
  }
}

/** One line for a person: `12 14:03:07 state idle → scanning`. */
export function describeFolderEvent(event: FolderEvent): string {
  const time = new Date(event.at).toISOString().slice(11, 19);
  const head = `${event.seq} ${time}`;
  switch (event.type) {
    case 'state-changed':
      return `${head} state ${event.from} → ${event.to}${event.error ? ` (${event.error.message})` : ''}`;
    case 'file-synced':
      return `${head} ${event.item.direction === 'up' ? 'uploaded' : 'downloaded'} ${event.item.action} ${event.item.path}`;
    case 'problem-found':
      return `${head} problem ${event.problem.path}: ${event.problem.message}`;
    case 'problem-cleared':
      return `${head} problem cleared ${event.path}`;
    case 'warning-raised':
      return `${head} warning ${event.message}`;
    case 'deletes-held':
      return `${head} ${event.pendingDeletes ? `holding ${event.pendingDeletes.count} deletions for confirmation` : 'no deletions held'}`;
    case 'cycle-finished':
      return `${head} synced`;
  }
}
