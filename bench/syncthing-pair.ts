// Two local Syncthing instances (Debian's `syncthing` package) sharing one folder over
// 127.0.0.1, set up the way a user would pair two devices, for the side-by-side bench: no
// discovery, relays, NAT or upgrades; file watcher on with a 1-s delay; each its own home.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/hybrid-cluster.js';
import { waitFor } from './hsync-daemon.js';
import { childrenOf } from './proc-stats.js';

export interface SyncthingDevice {
  name: string;
  folder: string;
  /** The process doing the work: Syncthing runs under a monitor process even with --no-restart. */
  pid: number;
}

export interface SyncthingPair {
  a: SyncthingDevice;
  b: SyncthingDevice;
  version: string;
  stop(): Promise<void>;
}

interface Instance {
  name: string;
  home: string;
  folder: string;
  id: string;
  listen: number;
  gui: number;
  key: string;
  child?: ChildProcess;
}

/** The installed Syncthing's version line, or null when it is not installed. */
export function syncthingVersion(): string | null {
  const run = spawnSync('syncthing', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

async function prepare(name: string): Promise<Instance> {
  const home = await mkdtemp(join(tmpdir(), `hsync-bench-st-home-${name}-`));
  const folder = await mkdtemp(join(tmpdir(), `hsync-bench-st-${name}-`));
  const made = spawnSync('syncthing', ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`syncthing generate: ${made.stderr}`);
  const id = /Device ID: ([A-Z0-9-]+)/.exec(made.stdout + made.stderr)?.[1];
  if (!id) throw new Error(`syncthing generate printed no device ID: ${made.stdout}`);
  // Syncthing refuses a folder without its marker.
  await mkdir(join(folder, '.stfolder'));
  return { name, home, folder, id, listen: await freePort(), gui: await freePort(), key: randomBytes(16).toString('hex') };
}

function config(self: Instance, peer: Instance): string {
  return `<configuration version="36">
  <folder id="bench" label="bench" path="${self.folder}" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="true" fsWatcherDelayS="1">
    <device id="${self.id}"></device>
    <device id="${peer.id}"></device>
  </folder>
  <device id="${self.id}" name="${self.name}" compression="metadata"><address>dynamic</address></device>
  <device id="${peer.id}" name="${peer.name}" compression="metadata"><address>tcp://127.0.0.1:${peer.listen}</address></device>
  <gui enabled="true" tls="false"><address>127.0.0.1:${self.gui}</address><apikey>${self.key}</apikey></gui>
  <options>
    <listenAddress>tcp://127.0.0.1:${self.listen}</listenAddress>
    <globalAnnounceEnabled>false</globalAnnounceEnabled>
    <localAnnounceEnabled>false</localAnnounceEnabled>
    <relaysEnabled>false</relaysEnabled>
    <natEnabled>false</natEnabled>
    <urAccepted>-1</urAccepted>
    <startBrowser>false</startBrowser>
    <crashReportingEnabled>false</crashReportingEnabled>
    <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
    <setLowPriority>false</setLowPriority>
  </options>
</configuration>
`;
}

async function rest<T>(instance: Instance, path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${instance.gui}${path}`, { headers: { 'X-API-Key': instance.key } });
  if (!response.ok) throw new Error(`syncthing ${instance.name} ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

/** Whether `instance` is connected to `peer` and its folder is idle (scanned, nothing to pull). */
async function ready(instance: Instance, peer: Instance): Promise<boolean> {
  try {
    const connections = await rest<{ connections: Record<string, { connected: boolean }> }>(instance, '/rest/system/connections');
    const status = await rest<{ state: string }>(instance, '/rest/db/status?folder=bench');
    return connections.connections[peer.id]?.connected === true && status.state === 'idle';
  } catch {
    return false; // not listening yet
  }
}

/** Starts two paired instances on empty folders; resolves once they are connected and idle. */
export async function startSyncthingPair(version: string): Promise<SyncthingPair> {
  const a = await prepare('A');
  const b = await prepare('B');
  const instances = [a, b];
  try {
    for (const [self, peer] of [
      [a, b],
      [b, a],
    ]) {
      await writeFile(join(self.home, 'config.xml'), config(self, peer));
      self.child = spawn('syncthing', ['serve', `--home=${self.home}`, '--no-browser', '--no-restart', '--no-upgrade', `--logfile=${join(self.home, 'log')}`], {
        stdio: 'ignore',
        env: { ...process.env, STNODEFAULTFOLDER: '1', STNOUPGRADE: '1' },
      });
    }
    await waitFor(async () => (await ready(a, b)) && (await ready(b, a)), 60_000, 200);
  } catch (error) {
    await stopAll(instances);
    throw error;
  }
  const device = async (i: Instance): Promise<SyncthingDevice> => {
    const [inner] = await childrenOf(i.child!.pid!);
    return { name: i.name, folder: i.folder, pid: inner ?? i.child!.pid! };
  };
  return { a: await device(a), b: await device(b), version, stop: () => stopAll(instances) };
}

async function stopAll(instances: Instance[]): Promise<void> {
  for (const instance of instances) {
    const child = instance.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(instance.home, { recursive: true, force: true });
    await rm(instance.folder, { recursive: true, force: true });
  }
}
