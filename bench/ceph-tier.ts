// Figures of the in-house tier on a Ceph cluster (scripts/ceph-dev.sh: one mon, one memstore
// osd, radosgw on 127.0.0.1), for bench/hybrid-tiers.ts: RGW's own PUT ceiling (64 × 4 MiB
// objects straight from the AWS SDK, 8 in flight), then the client's blocks through a server
// whose in-house tier is the cluster (`--inhouse-s3-*`), beside the built-in block service's
// time for the same amount measured in the same run.

import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { BlockHash } from '../shared/common/blocks.js';
import { HttpRemote } from '../shared/node/remote/http-remote.js';
import { TieredRemote } from '../shared/node/remote/tiered-remote.js';
import { cephSkipReason, startCephRgw } from '../test/helpers/ceph-rgw.js';
import { startServerProcess } from '../test/helpers/server-process.js';

interface Block {
  hash: BlockHash;
  bytes: Buffer;
}

export interface CephRun {
  /** Fresh blocks for each run. */
  makeBlocks(): Block[];
  /** The built-in block service's time for one set, ms (figure 2 of the same run). */
  builtInMs: number;
  pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void>;
  line(label: string, ms: number, bytes: number, note?: string): void;
}

export async function cephFigures(run: CephRun): Promise<void> {
  const skip = cephSkipReason();
  if (skip) {
    console.log(`Ceph in-house tier: not measured, ${skip}`);
    return;
  }
  const rgw = await startCephRgw();
  try {
    await rgw.createBucket('bench-ceiling');
    await rgw.createBucket('bench-inhouse');
    const ceiling = run.makeBlocks().slice(0, 64);
    let t = performance.now();
    await run.pool(ceiling, 8, async (b) => {
      await rgw.client.send(new PutObjectCommand({ Bucket: 'bench-ceiling', Key: b.hash, Body: b.bytes, ContentLength: b.bytes.length }));
    });
    const ceilingMs = performance.now() - t;
    const ceilingBytes = ceiling.reduce((sum, b) => sum + b.bytes.length, 0);
    run.line(`RGW PUT ceiling, ${ceiling.length} × 4 MiB (SDK, direct)`, ceilingMs, ceilingBytes);

    const server = await startServerProcess({
      env: { AWS_ACCESS_KEY_ID: rgw.accessKey, AWS_SECRET_ACCESS_KEY: rgw.secretKey, AWS_REGION: rgw.region },
      args: ['--inhouse-s3-endpoint', rgw.endpoint, '--inhouse-s3-bucket', 'bench-inhouse', '--inhouse-s3-path-style', '--scrub-rate-mb', '0'],
    });
    try {
      const http = new HttpRemote(server.url, await server.addUser('bench'), { maxSockets: 8 });
      const remote = new TieredRemote(http, { concurrency: 8 });
      const set = run.makeBlocks();
      const bytes = set.reduce((sum, b) => sum + b.bytes.length, 0);
      t = performance.now();
      await run.pool(set, 8, (b) => remote.putBlock(b.hash, b.bytes));
      const cephMs = performance.now() - t;
      const note = `${(cephMs / run.builtInMs).toFixed(2)}× the built-in block service's time; RGW ceiling ${(ceilingBytes / 1e6 / (ceilingMs / 1000)).toFixed(0)} MB/s`;
      run.line('client → in-house tier on Ceph RGW', cephMs, bytes, note);
      remote.close();
      http.close();
    } finally {
      await server.dispose();
    }
  } finally {
    await rgw.stop();
  }
}
