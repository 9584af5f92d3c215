// `hsync sync`: the headless client. With --once: scan, push, pull, exit 0 when the folder
// and the server agree, 1 with a one-line reason otherwise. Without: keep syncing (watcher
// and long-poll) with a local control endpoint, until SIGINT/SIGTERM.

import { hostname } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { excludedWords } from '../../shared/common/status-words.js';
import { DEFAULT_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS } from '../../shared/common/sync-api.js';
import { startControl } from '../../shared/node/api-bridge/control-server.js';
import { accountKey, adoptLegacyState, defaultStateDir, folderStateDir, legacyCliFolderState } from '../../shared/node/api-bridge/state-dir.js';
import { EngineApi } from '../../shared/node/engine/engine-api.js';
import { cleanFolderPath } from '../../shared/node/engine/selective-sync.js';
import { SyncEngine } from '../../shared/node/engine/engine.js';
import { HttpRemote } from '../../shared/node/remote/http-remote.js';
import { ThrottledRemote, transferLimits } from '../../shared/node/remote/throttled-remote.js';
import { TieredRemote } from '../../shared/node/remote/tiered-remote.js';
import { intOption, optional, parse, stringOption, UsageError } from '../args.js';
import { resolveToken } from '../token-source.js';


export const help = `Usage: hsync sync --folder DIR --server URL --token-file FILE [options]

Keeps DIR in sync with the account whose token is in FILE (its first line; the file must
be readable by its owner only, chmod 600) on the server at URL. The token may also come from
the HSYNC_TOKEN environment variable or, when none is given with --state DIR, from
DIR/settings.json (owner-only; each run stores its token there). --token TOKEN still works but warns: a token on the
command line is visible to every local user in ps. A token that starts with "-" must be
written --token=TOKEN.

Options:
  --device NAME       this device's name in conflict copies and history (default: host name)
  --state DIR         where the index, cursor and settings live (default: one folder per
                      synced root and account under ~/.local/state/hybrid-sync/folders/,
                      shared with the desktop app; state from the old place under
                      ~/.local/share/hybrid-sync/folders/ is moved there once)
  --once              sync once and exit: 0 when folder and server agree, 1 otherwise
  --confirm-deletes   let a held mass deletion through (the guard stops > 50 % and > 100 files)
  --ui-port PORT      also serve the status window on 127.0.0.1:PORT (0 = any); prints "ui <url>"
  --poll              look for local changes by polling instead of by the kernel's file
                      events: for network (NFS, SMB) and FUSE folders, which send no events
                      for changes made elsewhere; costs a stat per file per interval (the
                      status window's Preferences switch it for this run)
  --poll-interval MS  how often polling checks each file, in ms (100-600000, default 2000);
                      implies --poll. Shorter sees changes sooner at more CPU and I/O
  --exclude-folder PATH
                      selective sync: do not sync the folder PATH (relative to DIR; may be
                      given more than once) on this device. It stays on the server and on
                      every other device; here its files go to the local trash once the
                      server holds every byte of them (unsynced edits go up first), and a
                      folder made again at PATH goes up as "PATH (selective sync conflict)".
                      Kept with the folder's state, so later runs keep it
  --include-folder PATH
                      take an excluded folder back: it downloads again (repeatable). A
                      folder inside an excluded one comes back alone: the excluded folder
                      stays off this disk but for it (kept for later runs, as Dropbox's
                      selective sync); --exclude-folder of the outer folder drops it again
  --min-free-mb N     keep N MB free on the folder's disk: downloads that would cross it wait,
                      reported as "disk full", and resume once space is freed
                      (default: 1 GB, or 5 % of a disk smaller than 20 GB)

Without --once the client runs until SIGINT/SIGTERM, finishes the operation in flight and
exits 0; "hsync status", "hsync pause" and "hsync resume" talk to it.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, {
    folder: { type: 'string' },
    server: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    device: { type: 'string' },
    state: { type: 'string' },
    once: { type: 'boolean' },
    'confirm-deletes': { type: 'boolean' },
    'ui-port': { type: 'string' },
    'min-free-mb': { type: 'string' },
    poll: { type: 'boolean' },
    'poll-interval': { type: 'string' },
    'exclude-folder': { type: 'string', multiple: true },
    'include-folder': { type: 'string', multiple: true },
  });
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  const root = resolve(stringOption(args, 'folder'));
  const serverUrl = stringOption(args, 'server');
  if (!/^https?:\/\/[^\s/]+/.test(serverUrl)) throw new UsageError(`--server must be an http(s) URL, got "${serverUrl}"`);
  const explicitState = typeof args.values.state === 'string' ? resolve(args.values.state) : null;
  const { token, warning } = resolveToken({
    file: optional(args.values['token-file']),
    flag: optional(args.values.token),
    env: process.env,
    // The default state folder is named after the account, so only a given --state can hold it.
    settingsFile: explicitState ? join(explicitState, 'settings.json') : undefined,
  });
  if (warning) console.error(`hsync sync: warning: ${warning}`);
  const device = stringOption(args, 'device', hostname() || 'device');
  const stateDir = explicitState ?? folderStateDir(defaultStateDir(), root, accountKey(serverUrl, token));
  if (!explicitState && (await adoptLegacyState(legacyCliFolderState(root), stateDir))) {
    console.error(`hsync sync: moved this folder's state from ${legacyCliFolderState(root)} to ${stateDir}`);
  }
  const uiPort = args.values['ui-port'] === undefined ? undefined : intOption(args, 'ui-port', 0, 0, 65535);
  const once = args.values.once === true;
  const pollGiven = args.values['poll-interval'] !== undefined;
  const pollIntervalMs = intOption(args, 'poll-interval', DEFAULT_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS);
  const poll = args.values.poll === true || pollGiven;
  const minFreeBytes = args.values['min-free-mb'] === undefined ? undefined : intOption(args, 'min-free-mb', 0, 0, 1_000_000_000) * 1e6;

  const selection = selectiveFlags(root, args.values['exclude-folder'], args.values['include-folder']);

  const http = new HttpRemote(serverUrl, token);
  // The tiered remote falls back to the server's S3 tier when the block service is down.
  const remote = new TieredRemote(http);
  const log = (line: string) => process.stderr.write(`hsync sync: ${line}\n`);
  // No caps until the stored settings are read (EngineApi applies them before the first transfer).
  const limits = transferLimits({ upLimitKBps: 0, downLimitKBps: 0 });
  const engine = new SyncEngine({ root, stateDir, remote: new ThrottledRemote(remote, limits), device, watch: !once, poll, pollIntervalMs, log: once ? undefined : log, minFreeBytes });
  if (selection) {
    const next = engine.changedSelection(selection.exclude, selection.include);
    await engine.setExcludedFolders(next.excluded, next.included);
  }
  const api = new EngineApi(engine, stateDir, { folder: root, serverUrl, token, deviceName: device, pollForChanges: poll, pollIntervalMs }, () => remote.storage(), limits);

  if (once) {
    try {
      const outcome = args.values['confirm-deletes'] ? (await engine.confirmDeletes(), engine.outcome()) : await engine.syncOnce();
      if (!outcome.agreed) {
        console.error(`hsync sync: ${outcome.reason}`);
        return 1;
      }
      const status = engine.getStatus();
      console.log(`in sync: ${engine.index.base.size} files, sent ${status.totals.sentBytes} bytes, received ${status.totals.receivedBytes} bytes`);
      return 0;
    } finally {
      await engine.stop();
      http.close();
    }
  }

  const control = await startControl(Object.assign(api, { subscribe: api.subscribe.bind(api) }), {
    stateDir: explicitState ?? defaultStateDir(),
    uiPort,
  });
  if (control.uiUrl) console.log(`ui ${control.uiUrl}`);
  if (api.wasPaused) await engine.pause();
  if (args.values['confirm-deletes']) void engine.confirmDeletes();
  await engine.start();
  console.log(`syncing ${root} with ${serverUrl} as "${device}"${poll ? `, polling for changes every ${pollIntervalMs} ms` : ''}`);
  const status = engine.getStatus();
  if (status.excludedFolders.length > 0) console.log(`not synced on this device: ${excludedWords(status)}`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await engine.stop();
  await control.close();
  http.close();
  return 0;
}

/**
 * The --exclude-folder and --include-folder values as clean paths relative to the synced
 * folder (an absolute path inside it is accepted too), or null when neither was given.
 */
function selectiveFlags(root: string, exclude: unknown, include: unknown): { exclude: string[]; include: string[] } | null {
  const list = (flag: string, values: unknown) =>
    (Array.isArray(values) ? (values as string[]) : []).map((value) => {
      const path = isAbsolute(value) ? relative(root, value) : value;
      if (path === '' || path.startsWith('..')) throw new UsageError(`--${flag} ${value}: give a folder inside ${root}`);
      try {
        return cleanFolderPath(path);
      } catch (error) {
        throw new UsageError(`--${flag}: ${(error as Error).message}`);
      }
    });
  const out = { exclude: list('exclude-folder', exclude), include: list('include-folder', include) };
  const both = out.exclude.find((path) => out.include.includes(path));
  if (both) throw new UsageError(`"${both}" is given to both --exclude-folder and --include-folder`);
  return out.exclude.length + out.include.length > 0 ? out : null;
}
