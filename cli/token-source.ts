// Where `hsync sync` finds the account token without putting it on the command line, where
// every local user can read it in `ps`: a file only its owner can read, HSYNC_TOKEN, or the
// token a previous run stored in the folder's settings file. `--token` still works, with a warning.

import { lstatSync, readFileSync } from 'node:fs';
import { UsageError } from './args.js';

export interface TokenSources {
  /** --token-file PATH */
  file?: string;
  /** --token TOKEN (visible to other local users) */
  flag?: string;
  env: NodeJS.ProcessEnv;
  /** The folder's settings file (`<state>/settings.json`), read last when it exists. */
  settingsFile?: string;
}

export interface ResolvedToken {
  token: string;
  /** A line to print on stderr, or null. */
  warning: string | null;
}

/** First of --token-file, --token, HSYNC_TOKEN, the settings file; UsageError when none, or when a file is unsafe. */
export function resolveToken(sources: TokenSources): ResolvedToken {
  const given = [sources.file !== undefined, sources.flag !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('give the token one way: --token-file or --token');
  if (sources.file !== undefined) return { token: nonEmpty(readTokenFile(sources.file), `--token-file ${sources.file}`), warning: null };
  if (sources.flag !== undefined) {
    return {
      token: nonEmpty(sources.flag, '--token'),
      warning: '--token is visible to every local user (ps); use --token-file FILE or HSYNC_TOKEN',
    };
  }
  if (sources.env.HSYNC_TOKEN !== undefined) return { token: nonEmpty(sources.env.HSYNC_TOKEN, 'HSYNC_TOKEN'), warning: null };
  const stored = sources.settingsFile === undefined ? null : readSettingsToken(sources.settingsFile);
  if (stored) return { token: stored, warning: null };
  throw new UsageError('no token: give --token-file FILE (or set HSYNC_TOKEN)');
}

/** The file's first line. Refused when it is a symlink or others may read it (like ssh keys). */
function readTokenFile(path: string): string {
  checkOwnerOnly(path, '--token-file');
  return readFileSync(path, 'utf8').split(/\r?\n/)[0];
}

/** The token stored by an earlier run, or null when there is no settings file or no token in it. */
function readSettingsToken(path: string): string | null {
  if (!lstatSync(path, { throwIfNoEntry: false })) return null;
  checkOwnerOnly(path, 'settings file');
  let token: unknown;
  try {
    token = (JSON.parse(readFileSync(path, 'utf8')) as { token?: unknown }).token;
  } catch (error) {
    throw new UsageError(`settings file ${path}: not valid JSON (${(error as Error).message})`);
  }
  return typeof token === 'string' && token.trim() !== '' ? token.trim() : null;
}

function checkOwnerOnly(path: string, what: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    throw new UsageError(`${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (stat.isSymbolicLink()) throw new UsageError(`${what} ${path}: is a symlink; point at the file itself`);
  if (!stat.isFile()) throw new UsageError(`${what} ${path}: not a regular file`);
  if ((stat.mode & 0o077) !== 0) throw new UsageError(`${what} ${path}: readable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it`);
}

function nonEmpty(token: string, what: string): string {
  if (token.trim() === '') throw new UsageError(`${what}: the token is empty`);
  return token.trim();
}
