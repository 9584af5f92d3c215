// Renders a SyncStatus into the page. Called on every status push; cheap and idempotent.

import {
  activityWords,
  etaSeconds,
  excludedWords,
  formatBytes,
  formatDuration,
  formatRate,
  plural,
  problemsTitle,
  stateTone,
  stateWords,
  storageWords,
  timeAgo,
} from '../../shared/common/status-words.js';
import type { SyncStatus } from '../../shared/common/sync-api.js';
import type { Connection } from '../api/transport.js';
import { byId, el, replaceRows, setText } from './dom.js';

const TIER_EXPLAINED: Record<SyncStatus['storage']['mode'], string> = {
  inhouse: 'File blocks go to your own block store; S3 takes over if it fails.',
  s3: "This folder's blocks are placed in S3 (data residency).",
  fallback: 'The in-house block store is unreachable; blocks go to S3 until it is back.',
};

/** The largest pending byte count seen in the current sync run, for the progress bar. */
let peakPending = 0;

export function renderStatus(s: SyncStatus, now = Date.now()): void {
  const hero = byId('hero');
  hero.className = `hero tone-${s.pendingDeletes ? 'paused' : stateTone(s.state)}`;
  setText('state-words', stateWords(s));
  setText('state-detail', detailLine(s, now));

  const pause = byId<HTMLButtonElement>('pause');
  pause.disabled = false;
  pause.textContent = s.state === 'paused' ? 'Resume syncing' : 'Pause syncing';
  pause.className = s.state === 'paused' ? 'primary' : 'secondary';
  document.title = `${stateWords(s)} — Hybrid Sync`;

  renderTransfers(s);
  renderStorage(s);
  renderMassDelete(s);
  renderProblems(s, now);
  renderRecent(s, now);
  setText('folder', s.folder);
  setText('device', s.device);
  setText('server', s.serverUrl);
  // Selective sync: the folders this device leaves out, so nobody wonders where they went.
  byId('excluded-footer').hidden = s.excludedFolders.length === 0;
  setText('excluded', excludedWords(s));
}

function detailLine(s: SyncStatus, now: number): string {
  const parts: string[] = [];
  if (s.summary && s.summary !== stateWords(s)) parts.push(s.summary);
  if (s.state === 'offline') parts.push('Changes are kept and will sync when the server is back.');
  if (s.state === 'paused') parts.push('Changes stay on this device until you resume.');
  if (s.lastSyncedAt) parts.push(`Last synced ${timeAgo(s.lastSyncedAt, now)}`);
  return parts.join(' · ');
}

function renderTransfers(s: SyncStatus): void {
  const { up, down } = s.pending;
  setText('up-pending', up.files ? `${up.files} ${plural(up.files, 'file')} · ${formatBytes(up.bytes)}` : 'Nothing');
  setText('down-pending', down.files ? `${down.files} ${plural(down.files, 'file')} · ${formatBytes(down.bytes)}` : 'Nothing');
  const { upBytesPerSec, downBytesPerSec } = s.rates;
  const moving = s.state === 'syncing' && (upBytesPerSec > 0 || downBytesPerSec > 0);
  setText('rate', moving ? `↑ ${formatRate(upBytesPerSec)}  ↓ ${formatRate(downBytesPerSec)}` : '—');
  const eta = Math.max(etaSeconds(up.bytes, upBytesPerSec) ?? 0, etaSeconds(down.bytes, downBytesPerSec) ?? 0);
  setText('eta', formatDuration(eta > 0 ? eta : null));
  setText('totals', `Sent ${formatBytes(s.totals.sentBytes)} · received ${formatBytes(s.totals.receivedBytes)} since start`);

  const left = up.bytes + down.bytes + up.files + down.files;
  peakPending = left === 0 ? 0 : Math.max(peakPending, left);
  const percent = peakPending === 0 ? 100 : Math.round(100 * (1 - left / peakPending));
  const bar = byId('progress');
  // The bar is for a transfer in progress; with nothing left there is no bar, not a full one.
  bar.hidden = left === 0;
  bar.setAttribute('aria-valuenow', String(percent));
  (bar.firstElementChild as HTMLElement).style.width = `${percent}%`;
}

function renderStorage(s: SyncStatus): void {
  const badge = byId('tier-badge');
  badge.textContent = storageWords(s.storage);
  badge.className = `badge tier-${s.storage.mode}`;
  const redundant = !s.storage.detail || s.storage.detail.toLowerCase() === storageWords(s.storage).toLowerCase();
  setText('tier-detail', redundant ? TIER_EXPLAINED[s.storage.mode] : s.storage.detail);
  const tiers = s.storage.tiers;
  byId('tier-stats').hidden = tiers === null;
  if (tiers) {
    setText('tier-inhouse', `${formatBytes(tiers.inhouse.bytes)} · ${tiers.inhouse.blocks} ${plural(tiers.inhouse.blocks, 'block')}`);
    setText('tier-s3', `${formatBytes(tiers.s3.bytes)} · ${tiers.s3.blocks} ${plural(tiers.s3.blocks, 'block')}`);
  }
}

function renderMassDelete(s: SyncStatus): void {
  const box = byId('mass-delete');
  const pd = s.pendingDeletes;
  box.hidden = pd === null;
  if (!pd) return;
  if (pd.side === 'remote') {
    setText('mass-delete-title', `Remove ${pd.count} ${plural(pd.count, 'file')} from this device?`);
    setText(
      'mass-delete-text',
      `${pd.count} of the ${pd.total} files here were deleted on the server at once. Confirm to remove them here too, or Cancel to keep them and put them back on the server.`,
    );
  } else {
    setText('mass-delete-title', `Delete ${pd.count} ${plural(pd.count, 'file')} on all devices?`);
    setText(
      'mass-delete-text',
      `${pd.count} of ${pd.total} files were removed from this folder at once. Confirm to delete them everywhere, or Cancel to bring them back from the server.`,
    );
  }
  replaceRows(byId('mass-delete-sample'), JSON.stringify(pd.sample), () => {
    const rows = pd.sample.slice(0, 8).map((path) => el('li', '', path));
    if (pd.count > rows.length) rows.push(el('li', 'muted', `and ${pd.count - rows.length} more`));
    return rows;
  });
}

function renderProblems(s: SyncStatus, now: number): void {
  byId('problems-card').hidden = s.problems.length === 0;
  setText('problems-title', problemsTitle(s.problems));
  replaceRows(byId('problems'), JSON.stringify(s.problems), () =>
    s.problems.map((p) => {
      const row = el('li', 'row problem');
      row.append(el('span', 'path', p.path), el('span', 'reason', p.message), el('span', 'muted small', timeAgo(p.since, now)));
      return row;
    }),
  );
  byId('warnings-card').hidden = s.warnings.length === 0;
  replaceRows(byId('warnings'), JSON.stringify(s.warnings), () => s.warnings.map((w) => el('li', 'row', w)));
}

function renderRecent(s: SyncStatus, now: number): void {
  byId('recent-empty').hidden = s.recent.length > 0;
  // Keyed by minute too, so "2 min ago" advances without re-rendering on every push.
  replaceRows(byId('recent'), JSON.stringify(s.recent) + Math.floor(now / 30_000), () =>
    s.recent.map((item) => {
      const row = el('li', `row activity dir-${item.direction}`);
      const arrow = el('span', 'arrow', item.direction === 'up' ? '↑' : '↓');
      arrow.setAttribute('aria-label', item.direction === 'up' ? 'sent' : 'received');
      row.append(
        arrow,
        el('span', 'path', item.path),
        el('span', 'muted', `${activityWords(item)}${item.bytes ? ` · ${formatBytes(item.bytes)}` : ''}`),
        el('time', 'muted small', timeAgo(item.at, now)),
      );
      row.querySelector('time')!.setAttribute('datetime', new Date(item.at).toISOString());
      // Version history (history-view.ts) listens for these.
      const history = el('button', 'ghost small', 'History');
      history.type = 'button';
      history.dataset.history = item.path;
      history.setAttribute('aria-label', `History of ${item.path}`);
      row.append(history);
      return row;
    }),
  );
}

export function renderConnection(c: Connection): void {
  const box = byId('connection');
  const messages: Record<Connection, string> = {
    connecting: '',
    connected: '',
    lost: 'Lost contact with the Hybrid Sync client on this computer. Retrying…',
    'no-token': 'This page needs its access link. Open the "ui" address the client printed (it carries a one-time token).',
  };
  box.hidden = messages[c] === '';
  box.textContent = messages[c];
  if (c !== 'connected') {
    byId<HTMLButtonElement>('pause').disabled = true;
    if (c !== 'connecting') {
      setText('state-words', c === 'lost' ? 'Not connected' : 'No access');
      byId('hero').className = 'hero tone-offline';
    }
  }
}
