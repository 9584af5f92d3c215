// Builds the tier machinery from the server's options, the same way for the running
// server and for the one-shot commands (repatriate, scrub, stats), so they always agree
// on where blocks live.

import { BlockFiles } from '../blocks/block-files.js';
import type { MetaStore } from '../store/meta-store.js';
import { loadOrCreateSecret } from '../signing/secret-file.js';
import { LocalInhouse, type InhouseStore } from './inhouse-store.js';
import { RemoteInhouse } from './remote-inhouse.js';
import type { S3TierConfig } from './s3-config.js';
import { S3Inhouse } from './s3-inhouse.js';
import { S3Tier } from './s3-tier.js';
import { TierService } from './tier-service.js';

/** How long the in-house cluster may stay silent before a request to it fails (as the block service's). */
const CLUSTER_TIMEOUT_MS = 10_000;

export interface TierOptions {
  dataDir: string;
  s3?: S3TierConfig | null;
  /**
   * The running server's block files under dataDir, shared with its block routes so that
   * reads know which blocks this process wrote itself (BlockFiles.readLoose).
   */
  files?: BlockFiles;
  /** An S3-compatible cluster (Ceph RGW, MinIO…) as the in-house tier, instead of dataDir's blocks. */
  inhouseS3?: S3TierConfig | null;
  /** URL of the separate block service (`--role meta`); absent: blocks live under dataDir. */
  blockService?: string;
  /** Key file shared with the block service; required with blockService. */
  secretFile?: string;
  graceMs?: number;
}

export interface OpenTiers {
  service: TierService;
  close(): void;
}

export function openTiers(store: MetaStore, options: TierOptions): OpenTiers {
  const s3 = options.s3 ? new S3Tier(options.s3) : null;
  let remote: RemoteInhouse | null = null;
  let cluster: S3Tier | null = null;
  let inhouse: InhouseStore;
  if (options.inhouseS3) {
    if (options.blockService) throw new Error('the in-house tier is either --block-service or --inhouse-s3-bucket, not both');
    // A cluster that hangs must fail like one that is down, so clients fall back to S3.
    cluster = new S3Tier(options.inhouseS3, { timeoutMs: CLUSTER_TIMEOUT_MS });
    inhouse = new S3Inhouse(cluster);
  } else if (options.blockService) {
    if (!options.secretFile) throw new Error('--block-service needs --secret-file (the key shared with the block service)');
    remote = new RemoteInhouse(options.blockService, loadOrCreateSecret(options.secretFile));
    inhouse = remote;
  } else {
    const files = options.files ?? new BlockFiles(options.dataDir);
    // Not files.init(): that empties tmp/, which a running server may be writing into.
    files.makeLayout();
    inhouse = new LocalInhouse(files);
  }
  const service = new TierService({
    store,
    inhouse,
    remote,
    s3,
    graceMs: options.graceMs,
  });
  return {
    service,
    close() {
      s3?.close();
      remote?.close();
      cluster?.close();
    },
  };
}
