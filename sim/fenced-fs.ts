// A device's file system as one life of its client sees it. After a power cut that client
// is gone, but its cycle is still unwinding in this process: every call it makes from then
// on fails (EIO) and changes nothing, so the folder is exactly what the disk kept.

import type { FileSystem, GlobAdapter } from '../shared/node/fs/file-system.js';
import { fsError } from '../shared/node/fs/memory-file-system.js';

type Call = (...args: unknown[]) => unknown;

export function fenced(fs: FileSystem, alive: () => boolean): FileSystem {
  const dead = (name: string, args: unknown[]) => fsError('EIO', name, String(args[0]));
  // Synchronous calls throw; the others reject, as the real ones would.
  const guard = (target: object, name: string, fn: Call): Call => (...args) => {
    if (alive()) return fn.apply(target, args);
    if (name.endsWith('Sync')) throw dead(name, args);
    return Promise.reject(dead(name, args));
  };
  // fast-glob's calls answer through the callback they end with.
  const glob = new Proxy(fs.globAdapter, {
    get(target, key: string) {
      const fn = target[key as keyof GlobAdapter] as unknown as Call;
      return (...args: unknown[]) => {
        if (alive()) return fn.apply(target, args);
        if (key.endsWith('Sync')) throw dead(key, args);
        (args[args.length - 1] as (error: Error) => void)(dead(key, args));
      };
    },
  });
  return new Proxy(fs, {
    get(target, key, receiver) {
      if (key === 'globAdapter') return glob;
      const value = Reflect.get(target, key, receiver) as unknown;
      return typeof value === 'function' && typeof key === 'string' ? guard(target, key, value as Call) : value;
    },
  });
}
