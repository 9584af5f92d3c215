// Temp folders for tests that are removed when the test process ends, whether the test
// passed, failed or forgot its own cleanup: a run must leave nothing in the system temp
// folder (docs/testing.md). Each test file runs in its own process, so "process end" is
// "end of the file". Removal is synchronous because 'exit' handlers cannot wait.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  made.clear();
}

/** A new folder under the system temp folder, named `<prefix>XXXXXX`, removed at process exit. */
export function tempDir(prefix: string): string {
  if (made.size === 0) process.once('exit', removeAll);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}
