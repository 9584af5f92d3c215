// Starts `hsync` the way server-launch.ts decided: Electron's utility process or the
// system's Node. Both come back as the same HsyncChild.

import { spawn } from 'node:child_process';
import { utilityProcess } from 'electron';
import { fromChildProcess, type HsyncRun } from './embedded-server.js';
import { bundledServerEnv, type ServerLaunch } from './server-launch.js';

export function hsyncRunner(launch: ServerLaunch): HsyncRun {
  if (launch.runner === 'system-node') {
    return (args) => fromChildProcess(spawn(launch.node, [launch.entry, ...args, ...launch.serverArgs], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }
  return (args) => {
    const child = utilityProcess.fork(launch.entry, [], {
      stdio: 'pipe',
      serviceName: 'Hybrid Sync server',
      env: { ...process.env, ...bundledServerEnv(launch, args) },
    });
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      onExit: (listener) => void child.once('exit', listener),
      // A utility process that cannot start reports it as its exit.
      onError: () => undefined,
      stop: () => void child.kill(),
    };
  };
}
