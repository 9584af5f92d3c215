// SHA-256 of blocks on worker threads, so a big file hashes on every core instead of one.
// Buffers are transferred (moved, not copied) to a worker and back. Idle workers do not
// keep the process alive, and end after IDLE_MS without work: each holds ~10 MB (its own V8
// heap), which a client idle after one big file would otherwise keep for good.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

/** Plain JavaScript, so the workers need no TypeScript loader. */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ id, buffer, length }) => {
  const hash = createHash('sha256').update(new Uint8Array(buffer, 0, length)).digest('hex');
  parentPort.postMessage({ id, hash, buffer }, [buffer]);
});
`;

/** Workers end after this long without a job; the next big file starts them again (~30 ms). */
const IDLE_MS = 5_000;

interface Job {
  worker: number;
  resolve: (result: { hash: string; buffer: ArrayBuffer }) => void;
  reject: (error: Error) => void;
}

export class HashPool {
  private readonly workers: Worker[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly load: number[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly size = Math.max(1, Math.min(4, availableParallelism())),
    private readonly idleMs = IDLE_MS,
  ) {}

  /** Worker threads running now (for tests). */
  get threads(): number {
    return this.workers.length;
  }

  /** Hashes the first `length` bytes of `buffer`; `buffer` is unusable until the promise resolves with it. */
  hash(buffer: ArrayBuffer, length: number): Promise<{ hash: string; buffer: ArrayBuffer }> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const index = this.pickWorker();
    const id = this.nextId++;
    const worker = this.workers[index];
    this.load[index]++;
    worker.ref();
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { worker: index, resolve, reject });
      worker.postMessage({ id, buffer, length }, [buffer]);
    });
  }

  private pickWorker(): number {
    if (this.workers.length < this.size) {
      const index = this.workers.length;
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.on('message', (message: { id: number; hash: string; buffer: ArrayBuffer }) => {
        const job = this.jobs.get(message.id);
        this.jobs.delete(message.id);
        if (--this.load[index] === 0) worker.unref();
        if (this.jobs.size === 0) this.endWhenIdle();
        job?.resolve({ hash: message.hash, buffer: message.buffer });
      });
      // A worker that dies fails its jobs instead of leaving them waiting forever.
      worker.on('error', (error) => {
        for (const [id, job] of this.jobs) {
          if (job.worker !== index) continue;
          this.jobs.delete(id);
          job.reject(new Error(`hash block: worker failed (${error.message})`, { cause: error }));
        }
        if (shared === this) shared = null;
      });
      worker.unref();
      this.workers.push(worker);
      this.load.push(0);
      return index;
    }
    return this.load.indexOf(Math.min(...this.load));
  }

  /** Ends every worker once no job has come for idleMs; a job before that keeps them. */
  private endWhenIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.jobs.size > 0) return;
      for (const worker of this.workers.splice(0)) void worker.terminate();
      this.load.length = 0;
    }, this.idleMs);
    this.idleTimer.unref();
  }
}

let shared: HashPool | null = null;

/** The process-wide pool, made on first use. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
