// One simulated account: the server model and N devices, each a real SyncEngine over its
// own folder, driven step by step. Each folder lives on an in-memory disk of its own
// (shared/node/fs/memory-file-system.ts, keeping what a power cut would leave); every
// engine's timers and the file times run on one simulated scheduler (shared/node/scheduler/simulated-scheduler.ts). The server's store and
// each device's index (SQLite files) live on tmpfs (/dev/shm) when it exists.

import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncEngine, type SyncOutcome } from '../shared/node/engine/engine.js';
import type { FileSystem } from '../shared/node/fs/file-system.js';
import { MemoryFileSystem } from '../shared/node/fs/memory-file-system.js';
import { SimulatedScheduler } from '../shared/node/scheduler/simulated-scheduler.js';
import { fenced } from './fenced-fs.js';
import { HookedRemote } from './hooked-remote.js';
import { applyLocalOp } from './local-ops.js';
import { Prng } from './prng.js';
import { ServerModel } from './server-model.js';
import type { Step, SyncStep } from './steps.js';
import { readTree } from './tree.js';

/** Simulated time starts here and moves 1.5 s per step (conflict names, mtimes). */
const EPOCH_MS = Date.UTC(2026, 0, 15, 9, 0, 0);
const STEP_MS = 1500;

export interface Device {
  name: string;
  /** The folder, on the device's in-memory disk. */
  root: string;
  fs: MemoryFileSystem;
  /** The running client's view of `fs`: dead once its device loses power (fenced-fs.ts). */
  clientFs: FileSystem;
  stateDir: string;
  remote: HookedRemote;
  engine: SyncEngine | null;
  /** Crashes so far: each restart gets a state dir of its own (all under the world's dir). */
  lives: number;
  /** Fences the running client off its folder (set with each client). */
  cutPower: () => void;
}

export class World {
  readonly server: ServerModel;
  readonly devices: Device[] = [];
  readonly namespaceId: number;
  /** Content hashes a device held when one of its syncs began: what must never be lost. */
  readonly saved = new Set<string>();
  /** Content hashes the simulated user overwrote or deleted: gone by the user's choice. */
  readonly userDestroyed = new Set<string>();
  /**
   * Content hashes a power cut took before the server had them: never acknowledged, so
   * never promised (written by the user and not yet uploaded, or torn by the cut).
   */
  readonly powerLost = new Set<string>();
  readonly log: string[] = [];
  /** Folder state changes the state machine does not allow (shared/common/folder-events.ts). */
  readonly illegalTransitions: string[] = [];
  /**
   * Simulated time: every engine's timers and clock. Timers due at the same instant fire in
   * an order drawn from `timerSeed`, so a step list still replays exactly.
   */
  readonly scheduler: SimulatedScheduler;
  private readonly dir: string;

  constructor(deviceCount: number, timerSeed = 1) {
    const order = new Prng(timerSeed);
    this.scheduler = new SimulatedScheduler(EPOCH_MS, (n) => order.int(n));
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.dir = mkdtempSync(join(base, 'hsync-sim-'));
    this.server = new ServerModel(join(this.dir, 'server'));
    const user = this.server.addUser('sim');
    this.namespaceId = user.namespaceId;
    for (let i = 0; i < deviceCount; i++) {
      const root = `/dev${i}`;
      // A client crash leaves the disk as it is; a power cut keeps what was committed.
      const fs = new MemoryFileSystem({ now: this.scheduler.now, powerLoss: true });
      fs.mkdirSync(root);
      fs.syncAll();
      this.devices.push({ name: `dev${i}`, root, fs, clientFs: fs, stateDir: join(this.dir, `state${i}-0`), remote: new HookedRemote(user.remote), engine: null, lives: 0, cutPower: () => undefined });
    }
  }

  now = (): number => this.scheduler.now();

  private readonly hashes = new Map<string, string>();

  /** A device folder's files (content hashes cached across calls). */
  tree(device: Device): ReturnType<typeof readTree> {
    return readTree(device.fs, device.root, this.hashes);
  }

  async run(steps: readonly Step[]): Promise<void> {
    for (const step of steps) await this.apply(step);
  }

  private async apply(step: Step): Promise<void> {
    this.scheduler.advance(STEP_MS);
    if (step.op === 'restartServer') {
      this.server.restart();
      return;
    }
    if (step.op === 'sync') {
      await this.sync(step);
      return;
    }
    const device = this.devices[step.dev];
    for (const hash of applyLocalOp(device.fs, device.root, step, this.now())) this.userDestroyed.add(hash);
  }

  private engineOf(device: Device): SyncEngine {
    if (device.engine) return device.engine;
    let alive = true;
    device.clientFs = fenced(device.fs, () => alive);
    device.cutPower = () => {
      alive = false;
    };
    device.engine = new SyncEngine({
      root: device.root,
      stateDir: device.stateDir,
      fs: device.clientFs,
      remote: device.remote.store,
      device: device.name,
      // Its waits and timers pass in simulated time, never on the wall clock.
      scheduler: this.scheduler,
      watch: false,
      platform: 'linux',
      caseInsensitive: false,
      minFreeBytes: 0,
    });
    return device.engine;
  }

  /** One `--once` sync of a device, with the step's faults and nested steps. */
  async sync(step: SyncStep): Promise<SyncOutcome> {
    const device = this.devices[step.dev];
    if (device.remote.busy) return { agreed: false, reason: 'already syncing' };
    for (const file of this.tree(device).files.values()) this.saved.add(file.contentHash);
    const engine = this.engineOf(device);
    let crashedState: string | null = null;
    device.remote.arm({
      step,
      runNested: async (steps) => {
        for (const nested of steps) await this.apply(nested);
      },
      onCrash: (kind) => {
        // What was on disk at this instant is all a restarted client has, its index's owner
        // file too: the client never closed the index (an unclean stop, index-store.ts).
        crashedState = join(this.dir, `state${step.dev}-${++device.lives}`);
        cpSync(device.stateDir, crashedState, { recursive: true });
        if (kind === 'powerCut') this.cutPower(device, step.powerCut!.seed);
      },
    });
    const outcome = await this.scheduler.drive(engine.syncOnce());
    device.remote.arm(null);
    for (const change of engine.status.illegalTransitions.splice(0)) this.illegalTransitions.push(`${device.name}: state ${change}`);
    if (crashedState) {
      await engine.stop();
      device.engine = null;
      device.stateDir = crashedState;
    }
    this.log.push(`${device.name}: ${outcome.agreed ? 'agreed' : outcome.reason}`);
    return outcome;
  }

  /**
   * The device loses power: its client stops touching the folder, and the folder comes back
   * as its disk kept it. Its index is on another disk (docs/testing.md "Power cuts"): the
   * copy taken above, every committed transaction. What the cut took that the server never
   * had was never promised.
   */
  private cutPower(device: Device, seed: number): void {
    const before = [...this.tree(device).files.values()].map((f) => f.contentHash);
    device.cutPower();
    const pages = new Prng(seed);
    const torn = device.fs.powerCut((n) => pages.int(n));
    // Inode numbers and change times repeat after a cut: hashes cached by them are stale.
    this.hashes.clear();
    const after = new Set([...this.tree(device).files.values()].map((f) => f.contentHash));
    const acknowledged = new Set<string | null>(this.server.history(this.namespaceId).map((e) => e.contentHash));
    for (const hash of before) if (!after.has(hash) && !acknowledged.has(hash)) this.powerLost.add(hash);
    this.log.push(`${device.name}: power cut${torn > 0 ? `, ${torn} file(s) torn` : ''}`);
  }

  /** Syncs every device in turn, faults off, until a whole round changes nothing. */
  async settle(maxRounds: number): Promise<string | null> {
    let last: string[] = [];
    for (let round = 0; round < maxRounds; round++) {
      const head = this.server.journal.head(this.namespaceId);
      const before = this.devices.map((d) => JSON.stringify([...this.tree(d).files]));
      last = [];
      for (let dev = 0; dev < this.devices.length; dev++) {
        const outcome = await this.sync({ op: 'sync', dev });
        if (!outcome.agreed) last.push(`${this.devices[dev].name}: ${outcome.reason}`);
      }
      const quiet = head === this.server.journal.head(this.namespaceId) && this.devices.every((d, i) => JSON.stringify([...this.tree(d).files]) === before[i]);
      if (quiet && last.length === 0) return null;
    }
    return `did not settle in ${maxRounds} rounds${last.length > 0 ? `: ${last.join('; ')}` : ''}`;
  }

  async close(): Promise<void> {
    for (const device of this.devices) await device.engine?.stop();
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
