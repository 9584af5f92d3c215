// CPU and memory of a running process, read from Linux /proc: what the end-to-end benches
// print for each process of a case. Peak RSS is the kernel's high-water mark (VmHWM), reset
// before a case by writing 5 to /proc/PID/clear_refs.

import { readdir, readFile, writeFile } from 'node:fs/promises';

/** User and system CPU seconds `pid` has used so far, all its threads. */
export async function cpuTimes(pid: number): Promise<{ user: number; system: number }> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** User + system CPU seconds `pid` has used so far, all its threads. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { user, system } = await cpuTimes(pid);
  return user + system;
}

/** A field of /proc/PID/status in MB (VmRSS, VmHWM, RssAnon, RssFile). */
export async function statusMB(pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
}

/** Starts a new peak: VmHWM becomes the current RSS. False when the kernel refuses. */
export async function resetPeak(pid: number): Promise<boolean> {
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}

/** The process ids `pid` has started (its direct children), whichever of its threads started them. */
export async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    children.push(...text.split(' ').filter(Boolean).map(Number));
  }
  return children;
}
