// The slow, blocking end of every block write — fdatasync, close, rename, fsync of the
// directory — runs on a few dedicated threads instead of libuv's pool. The pool has 4
// threads unless UV_THREADPOOL_SIZE is set before the process starts, and with several
// uploads in flight their fsyncs would fill it and queue every other file operation
// (the next uploads' writes) behind them.

import { fdatasync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

const fdatasyncPool = promisify(fdatasync);
async function syncDirPool(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Plain JavaScript, so the threads need no TypeScript loader. Descriptors are opened and
 * closed on the main thread (a worker closing one it did not open draws a warning); the
 * threads only wait on the disk.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, fd, dir }) => {
  try {
    if (fd !== undefined) fs.fdatasyncSync(fd);
    else {
      const d = fs.openSync(dir, 'r');
      try { fs.fsyncSync(d); } finally { fs.closeSync(d); }
    }
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code } });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Idle threads must not keep the process alive; a thread with work in hand must. */

export class SyncThreads {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;

  constructor(size = 8) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      worker.on('message', (message: { id: number; error?: { message: string; code?: string } }) => {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        if (this.pending.size === 0) for (const w of this.workers) w.unref();
        if (message.error) waiter.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
        else waiter.resolve();
      });
      worker.on('error', (error) => {
        for (const waiter of this.pending.values()) waiter.reject(error);
        this.pending.clear();
        for (const w of this.workers) w.unref();
      });
      worker.on('exit', () => {
        // A thread that died takes no more work; with none left, the pool does it (below).
        const index = this.workers.indexOf(worker);
        if (index >= 0) this.workers.splice(index, 1);
      });
      worker.unref(); // after the listeners: attaching one refs it again
      this.workers.push(worker);
    }
  }

  /** fdatasync(fd): the file's bytes are on the disk. Rejects with the errno code. */
  datasync(fd: number): Promise<void> {
    return this.send({ fd });
  }

  /** fsync of a directory: the names created or renamed in it are on the disk. */
  syncDir(dir: string): Promise<void> {
    return this.send({ dir });
  }

  private send(task: { fd?: number; dir?: string }): Promise<void> {
    if (this.workers.length === 0) return task.fd !== undefined ? fdatasyncPool(task.fd) : syncDirPool(task.dir!);
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length];
    return new Promise<void>((resolve, reject) => {
      if (this.pending.size === 0) for (const w of this.workers) w.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...task });
    });
  }
}
