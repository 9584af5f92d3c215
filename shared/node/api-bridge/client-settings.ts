// The client's settings file, shared by the desktop app (electron-store) and the headless
// client (conf, the library electron-store is built on): the same keys in the same
// config.json, so either can run on the other's settings. The token is stored but never
// handed to a UI: reads report only whether one is set.

import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS, MIN_POLL_INTERVAL_MS, type Settings, type SettingsPatch } from '../../common/sync-api.js';

export interface StoredSettings {
  folder: string;
  /** Empty: use the embedded server under the data dir. */
  serverUrl: string;
  token: string;
  deviceName: string;
  startAtLogin: boolean;
  paused: boolean;
  upLimitKBps: number;
  downLimitKBps: number;
  /** Look for changes by polling (network and FUSE folders) rather than by kernel events. */
  pollForChanges: boolean;
  /** While polling, how often each path is checked, ms. */
  pollIntervalMs: number;
  /** The embedded server's own user token, made once on first run. */
  embeddedToken: string;
}

/** What both electron-store and conf offer. */
export interface SettingsBackend {
  readonly store: Partial<StoredSettings>;
  set(values: Partial<StoredSettings>): void;
}

export function defaultSettings(env: NodeJS.ProcessEnv = process.env): StoredSettings {
  return {
    folder: join(homedir(), 'HybridSync'),
    serverUrl: '',
    token: '',
    deviceName: env.HSYNC_DEVICE ?? hostname(),
    startAtLogin: false,
    paused: false,
    upLimitKBps: 0,
    downLimitKBps: 0,
    pollForChanges: false,
    pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    embeddedToken: '',
  };
}

/** The JSON schema both stores validate against (a damaged file is reset to defaults by conf). */
export const SETTINGS_SCHEMA = {
  folder: { type: 'string' },
  serverUrl: { type: 'string' },
  token: { type: 'string' },
  deviceName: { type: 'string' },
  startAtLogin: { type: 'boolean' },
  paused: { type: 'boolean' },
  upLimitKBps: { type: 'integer', minimum: 0 },
  downLimitKBps: { type: 'integer', minimum: 0 },
  pollForChanges: { type: 'boolean' },
  pollIntervalMs: { type: 'integer', minimum: MIN_POLL_INTERVAL_MS, maximum: MAX_POLL_INTERVAL_MS },
  embeddedToken: { type: 'string' },
} as const;

/** Where the desktop app keeps config.json on Linux (Electron's userData for "hybrid-sync"). */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'hybrid-sync');
}

/** Where the embedded server keeps its data (README: ~/.local/share/hybrid-sync/). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'hybrid-sync');
}

export function readSettings(backend: SettingsBackend): StoredSettings {
  return { ...defaultSettings(), ...backend.store };
}

/** The UI's view: everything but the tokens. `embeddedToken`: the one the embedded server gave this run. */
export function publicSettings(s: StoredSettings, serverUrl: string, embeddedToken = s.embeddedToken): Settings {
  return {
    folder: s.folder,
    serverUrl: s.serverUrl || serverUrl,
    deviceName: s.deviceName,
    startAtLogin: s.startAtLogin,
    paused: s.paused,
    hasToken: (s.serverUrl ? s.token : embeddedToken) !== '',
    upLimitKBps: s.upLimitKBps,
    downLimitKBps: s.downLimitKBps,
    pollForChanges: s.pollForChanges,
    pollIntervalMs: s.pollIntervalMs,
  };
}

/**
 * Applies a validated patch; returns whether the engine must restart (folder, server, token or
 * device changed). A serverUrl equal to the embedded server's (which the UI shows while no
 * server is set) keeps the embedded default rather than pinning its per-run port.
 */
export function applyPatch(backend: SettingsBackend, patch: SettingsPatch, embeddedUrl = ''): boolean {
  const before = readSettings(backend);
  const next: Partial<StoredSettings> = {};
  if (patch.folder !== undefined) next.folder = patch.folder;
  const url = patch.serverUrl?.replace(/\/+$/, '');
  if (url !== undefined && !(url === embeddedUrl && before.serverUrl === '')) next.serverUrl = url;
  if (patch.token !== undefined) next.token = patch.token;
  if (patch.deviceName !== undefined) next.deviceName = patch.deviceName;
  if (patch.startAtLogin !== undefined) next.startAtLogin = patch.startAtLogin;
  if (patch.upLimitKBps !== undefined) next.upLimitKBps = patch.upLimitKBps;
  if (patch.downLimitKBps !== undefined) next.downLimitKBps = patch.downLimitKBps;
  if (patch.pollForChanges !== undefined) next.pollForChanges = patch.pollForChanges;
  if (patch.pollIntervalMs !== undefined) next.pollIntervalMs = patch.pollIntervalMs;
  backend.set(next);
  const after = readSettings(backend);
  return after.folder !== before.folder || after.serverUrl !== before.serverUrl || after.token !== before.token || after.deviceName !== before.deviceName;
}
