// `hsync`: one command, one subcommand per job. Each subcommand module exports `help`
// and `run(argv)`, loaded only when used so `hsync hash` does not load the server.

import { UsageError } from './args.js';

interface Command {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number> }>;
}

const commands: Record<string, Command> = {
  hash: { summary: 'print content hashes of files', load: () => import('./commands/hash.js') },
  server: { summary: 'run the in-house server, or add users to it', load: () => import('./commands/server.js') },
  status: { summary: 'show what the running client is doing', load: () => import('./commands/status.js') },
  pause: { summary: 'pause the running client', load: () => import('./commands/pause.js') },
  resume: { summary: 'resume the running client', load: () => import('./commands/resume.js') },
  sync: { summary: 'keep a folder in sync with a server', load: () => import('./commands/sync.js') },
  history: { summary: 'list the revisions the server keeps of a file', load: () => import('./commands/history.js') },
  restore: { summary: 'bring a file or folder back from the trash or the server', load: () => import('./commands/restore.js') },
  trash: { summary: 'list what the local trash of a folder keeps', load: () => import('./commands/trash.js') },
  limits: { summary: 'show or set the running client\'s bandwidth caps', load: () => import('./commands/limits.js') },
};

export const help = `Usage: hsync <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

Run "hsync <command> --help" for a command's options.`;

/** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`hsync: unknown command "${name}" (see hsync --help)`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    if ((error as Error).name === 'UsageError' || error instanceof UsageError) {
      console.error(`hsync ${name}: ${(error as Error).message}`);
      return 2;
    }
    console.error(`hsync ${name}: ${(error as Error).message}`);
    return 1;
  }
}
