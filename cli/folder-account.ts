// Which server and account a command about a synced folder talks to (`hsync history`): the
// flags `hsync sync` takes (--server and a token), or else what `hsync sync` saved for that
// folder in its state (settings.json: folder, server URL, token), so a user who synced a
// folder once can ask about it with --folder alone. Also turns a PATH argument, relative to
// the folder or absolute inside it, into the folder's sync path.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathProblem } from '../shared/common/paths.js';
import { defaultStateDir } from '../shared/node/api-bridge/state-dir.js';
import { optional, UsageError } from './args.js';
import { resolveToken } from './token-source.js';

export interface FolderAccount {
  root: string;
  serverUrl: string;
  token: string;
  /** A line for stderr (e.g. a token given on the command line), or null. */
  warning: string | null;
}

export interface AccountFlags {
  folder: string;
  server?: string;
  token?: string;
  tokenFile?: string;
  /** The folder's state dir, as `hsync sync --state`. */
  state?: string;
}

/** The flags of a command about a synced folder, for `parse` (as `hsync sync` takes them). */
export const ACCOUNT_OPTIONS = {
  folder: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  state: { type: 'string' },
} as const;

/** The parsed ACCOUNT_OPTIONS; UsageError without --folder. */
export function accountFlags(values: Record<string, unknown>): AccountFlags {
  const folder = optional(values.folder);
  if (folder === undefined) throw new UsageError('--folder DIR is required');
  return { folder, server: optional(values.server), token: optional(values.token), tokenFile: optional(values['token-file']), state: optional(values.state) };
}

export function folderAccount(flags: AccountFlags, env: NodeJS.ProcessEnv = process.env): FolderAccount {
  const root = resolve(flags.folder);
  if (flags.server !== undefined) {
    if (!/^https?:\/\/[^\s/]+/.test(flags.server)) throw new UsageError(`--server must be an http(s) URL, got "${flags.server}"`);
    const { token, warning } = resolveToken({ file: flags.tokenFile, flag: flags.token, env });
    return { root, serverUrl: flags.server, token, warning };
  }
  const saved = savedSettings(root, flags.state, env);
  return { root, serverUrl: saved.serverUrl, token: saved.token, warning: null };
}

function savedSettings(root: string, stateDir: string | undefined, env: NodeJS.ProcessEnv): { serverUrl: string; token: string } {
  const candidates = stateDir !== undefined ? [join(resolve(stateDir), 'settings.json')] : folderSettingsFiles(env);
  const matches = candidates.map(readSaved).filter((s): s is { folder: string; serverUrl: string; token: string } => s !== null && resolve(s.folder) === root);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new UsageError(`${root} syncs with ${matches.length} accounts; say which with --server URL and --token-file FILE`);
  throw new UsageError(`no --server given and no saved settings for ${root} (sync it once with "hsync sync", or give --server URL --token-file FILE)`);
}

function folderSettingsFiles(env: NodeJS.ProcessEnv): string[] {
  const folders = join(defaultStateDir(env), 'folders');
  if (!existsSync(folders)) return [];
  return readdirSync(folders).map((id) => join(folders, id, 'settings.json'));
}

function readSaved(file: string): { folder: string; serverUrl: string; token: string } | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const ok = typeof s.folder === 'string' && typeof s.serverUrl === 'string' && typeof s.token === 'string' && s.token !== '';
    return ok ? { folder: s.folder as string, serverUrl: s.serverUrl as string, token: s.token as string } : null;
  } catch {
    return null; // no such file, or not ours
  }
}

/** PATH as given on the command line (relative to the folder, or absolute inside it) as a sync path. */
export function syncPathArg(root: string, raw: string): string {
  const inside = relative(root, resolve(root, raw));
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) throw new UsageError(`${raw} is not inside ${root}`);
  const path = inside.split(sep).join('/');
  const problem = pathProblem(path);
  if (problem) throw new UsageError(`${raw}: ${problem}`);
  return path.normalize('NFC');
}
