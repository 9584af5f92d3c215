// `hsync hash FILE...`: content hashes in sha256sum's layout, optionally with blocks.

import { hashFile } from '../../shared/node/blocks/chunker.js';
import { parse, UsageError } from '../args.js';

export const help = `Usage: hsync hash [--blocks] FILE...

Prints "<content-hash>  <path>" for each file: SHA-256 over the SHA-256 digests of its
4 MiB blocks (Dropbox's content_hash). With --blocks, each block follows as
"  <offset> <size> <block-hash>".

Exit status: 0 when every file was hashed, 1 when any could not be read.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(argv, { blocks: { type: 'boolean' } }, true);
  if (args.values.help) {
    console.log(help);
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('hash needs at least one FILE');
  let status = 0;
  for (const path of args.positionals) {
    try {
      const result = await hashFile(path);
      const lines = [`${result.contentHash}  ${path}`];
      if (args.values.blocks) for (const b of result.blocks) lines.push(`  ${b.offset} ${b.size} ${b.hash}`);
      process.stdout.write(lines.join('\n') + '\n');
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : message;
      console.error(`hsync hash: ${path}: ${reason}`);
      status = 1;
    }
  }
  return status;
}
