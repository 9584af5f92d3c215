// What a simulated run does, as plain data: a list of steps that a seed generates and a
// failure prints. A run is a pure function of its steps, so a shrunk list replays exactly.

import { BLOCK_SIZE } from '../shared/common/blocks.js';
import { Prng } from './prng.js';

/** Remote calls a step can hook into (faults, crashes, or other steps run in the middle). */
export type HookedCall = 'list' | 'commit' | 'missingBlocks' | 'putBlock' | 'getBlock';

export type LocalOp =
  | { op: 'write'; dev: number; path: string; size: number; fill: number; atomic: boolean }
  | { op: 'append'; dev: number; path: string; size: number; fill: number }
  | { op: 'truncate'; dev: number; path: string; size: number }
  | { op: 'delete'; dev: number; path: string }
  | { op: 'move'; dev: number; from: string; to: string }
  | { op: 'toFolder'; dev: number; path: string; fill: number }
  | { op: 'toFile'; dev: number; path: string; size: number; fill: number }
  /** Replaces the device's `.hsyncignore` (local to it: the rules never sync). */
  | { op: 'ignore'; dev: number; patterns: string[] };

export interface SyncStep {
  op: 'sync';
  dev: number;
  /** The nth call (1-based) of `call` answers 'unavailable'. */
  fail?: { call: HookedCall; nth: number };
  /** The client dies at the nth call of `call`; it restarts from what was on disk. */
  crash?: { call: HookedCall; nth: number };
  /**
   * The device loses power at the nth call of `call`: the client dies and its folder comes
   * back as the disk kept it (docs/testing.md "Power cuts"); `seed` picks how much of each
   * file written since the last commit reached the disk.
   */
  powerCut?: { call: HookedCall; nth: number; seed: number };
  /** Steps run just before the nth call of `call` goes out (edits and syncs mid-cycle). */
  during?: { call: HookedCall; nth: number; steps: Step[] };
}

export type Step = LocalOp | SyncStep | { op: 'restartServer' };

// A small name space, so operations collide: case variants and both Unicode forms of é.
const DIRS = ['', 'a', 'b', 'a/c'];
const NAMES = ['x.txt', 'y.pdf', 'Y.pdf', 'caf\u00e9.txt', 'cafe\u0301.txt', 'n'];
const IGNORES = [['a/'], ['*.pdf'], ['a/c/', 'x.txt'], []];
const CALLS: HookedCall[] = ['list', 'commit', 'missingBlocks', 'putBlock', 'getBlock'];

function size(rng: Prng): number {
  if (rng.chance(0.015)) return BLOCK_SIZE + rng.pick([-1, 0, 1]);
  if (rng.chance(0.1)) return 0;
  return 1 + rng.int(300);
}

function path(rng: Prng): string {
  const dir = rng.pick(DIRS);
  const name = rng.pick(NAMES);
  return dir ? `${dir}/${name}` : name;
}

function anyPath(rng: Prng): string {
  return rng.chance(0.3) ? rng.pick(DIRS.filter(Boolean)) : path(rng);
}

function localOp(rng: Prng, dev: number): LocalOp {
  const r = rng.next();
  // A few fills come from a small pool, so two devices sometimes make identical edits.
  const fill = rng.chance(0.2) ? rng.int(4) : rng.int(1 << 30);
  if (r < 0.35) return { op: 'write', dev, path: path(rng), size: size(rng), fill, atomic: rng.chance(0.5) };
  if (r < 0.43) return { op: 'append', dev, path: path(rng), size: 1 + rng.int(50), fill };
  if (r < 0.49) return { op: 'truncate', dev, path: path(rng), size: rng.int(20) };
  if (r < 0.62) return { op: 'delete', dev, path: anyPath(rng) };
  if (r < 0.8) return { op: 'move', dev, from: anyPath(rng), to: anyPath(rng) };
  if (r < 0.88) return { op: 'toFolder', dev, path: path(rng), fill };
  if (r < 0.91) return { op: 'ignore', dev, patterns: rng.pick(IGNORES) };
  return { op: 'toFile', dev, path: rng.pick(DIRS.filter(Boolean)), size: size(rng), fill };
}

function hook(rng: Prng): { call: HookedCall; nth: number } {
  return { call: rng.pick(CALLS), nth: 1 + rng.int(3) };
}

/** Faults a seed may draw beyond the default ones. */
export interface StepFaults {
  /** Power cuts of a device mid-sync (a draw only when on, so seeds without them stay as they were). */
  powerCuts?: boolean;
}

function syncStep(rng: Prng, devices: number, depth: number, faults: StepFaults): SyncStep {
  const dev = rng.int(devices);
  const step: SyncStep = { op: 'sync', dev };
  if (rng.chance(0.1)) step.fail = hook(rng);
  else if (rng.chance(0.06)) step.crash = hook(rng);
  else if (faults.powerCuts && rng.chance(0.06)) step.powerCut = { ...hook(rng), seed: rng.int(1 << 30) };
  if (depth === 0 && rng.chance(0.25)) {
    const steps: Step[] = [];
    const count = 1 + rng.int(3);
    for (let i = 0; i < count; i++) {
      const other = (dev + 1 + rng.int(devices - 1)) % devices;
      // Mid-cycle: the same user edits on this device, or another device syncs.
      steps.push(rng.chance(0.5) ? localOp(rng, dev) : rng.chance(0.5) ? localOp(rng, other) : { ...syncStep(rng, devices, 1, faults), dev: other });
    }
    step.during = { ...hook(rng), steps };
  }
  return step;
}

/** The steps of one seed: random local operations and syncs on `devices` devices. */
export function generateSteps(seed: number, devices: number, count: number, faults: StepFaults = {}): Step[] {
  const rng = new Prng(seed);
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    if (r < 0.02) steps.push({ op: 'restartServer' });
    else if (r < 0.4) steps.push(syncStep(rng, devices, 0, faults));
    else steps.push(localOp(rng, rng.int(devices)));
  }
  return steps;
}
