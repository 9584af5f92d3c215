// Runs one fault of the operation list against the deployment and the clients. A client
// killed "mid-upload" or "mid-download" is killed when its proxy sees it ask for blocks
// (or after a bound, if it never does), then started again on the same state dir.

import type { Client } from './clients.js';
import type { Deployment } from './deployment.js';
import type { Fault } from './operations.js';

const UPLOAD = /^(PUT \/v1\/blocks\/[0-9a-f]|POST \/v1\/blocks\/batch|POST \/v1\/blocks\/urls)/;
const DOWNLOAD = /^(GET \/v1\/blocks\/[0-9a-f]|POST \/v1\/blocks\/get|POST \/v1\/blocks\/urls)/;
const WATCH_MS = 8000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true once client `dev`'s proxy sees a request line matching `pattern`, false after WATCH_MS. */
function seen(d: Deployment, dev: number, pattern: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      d.proxies[dev].onRequest(null);
      resolve(false);
    }, WATCH_MS);
    d.proxies[dev].onRequest((line) => {
      if (!pattern.test(line)) return;
      clearTimeout(timer);
      d.proxies[dev].onRequest(null);
      resolve(true);
    });
  });
}

/**
 * Runs `fault`. `write(dev, path, size, salt)` writes a file the way a folder operation
 * does (so its version is recorded). Resolves with a short note of what happened.
 */
export async function runFault(
  fault: Fault,
  d: Deployment,
  clients: Client[],
  write: (dev: number, path: string, size: number, salt: number) => Promise<void>,
): Promise<string> {
  switch (fault.kind) {
    case 'kill_upload': {
      const watching = seen(d, fault.dev, UPLOAD);
      await write(fault.dev, fault.path, fault.size, fault.salt);
      const hit = await watching;
      await clients[fault.dev].kill();
      clients[fault.dev].start();
      return hit ? 'killed mid-upload' : 'killed (no upload seen)';
    }
    case 'kill_download': {
      const watching = seen(d, fault.dev, DOWNLOAD);
      await write(fault.writer, fault.path, fault.size, fault.salt);
      const hit = await watching;
      await clients[fault.dev].kill();
      clients[fault.dev].start();
      return hit ? 'killed mid-download' : 'killed (no download seen)';
    }
    case 'server_kill':
      await d.killMain(fault.downMs);
      return 'server killed and restarted';
    case 'blocks_down':
      await d.blocksDown(fault.downMs);
      return d.split ? 'block service killed and restarted' : 'server unreachable';
    case 's3_down':
      await d.s3Down(fault.downMs);
      return d.split ? 'S3 unreachable' : 'no S3 tier';
    case 'bit_flip': {
      const flipped = await d.flipBit(fault.pick, fault.bit);
      if (!flipped) return 'no block stored yet';
      return `flipped a bit in ${flipped.file.split('/blocks/')[1]}${flipped.block ? ` (block ${flipped.block.slice(0, 12)})` : ' (outside any block)'}`;
    }
    case 'cut':
      d.proxies[fault.dev].cutAfter(fault.bytes);
      await sleep(0);
      return `next response to dev${fault.dev} cut after ${fault.bytes} bytes`;
  }
}
