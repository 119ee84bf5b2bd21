/**
 * The `cowshare` command: picks the subcommand, parses its options with `node:util` parseArgs, and
 * maps the outcome to the exit code — 0 done, 1 failed, 2 usage error. bin/cowshare.js calls `main`.
 */
import { parseArgs } from 'node:util';
import { CowshareError } from '../errors.js';
import { type Command, type Io, UsageError } from './command.js';
import { demo } from './demo.js';
import { get } from './get.js';
import { inspect } from './inspect.js';
import { pack } from './pack.js';
import { verify } from './verify.js';

const COMMANDS: readonly Command[] = [pack, inspect, get, verify, demo];

const usage = `cowshare — build big read-only data once; every thread and process reads it in place

Usage: cowshare <command> [options]      cowshare <command> --help for its options

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}
`;

export async function main(argv: readonly string[], io: Io = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`cowshare: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(values, io, positionals);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`cowshare ${name}: ${(error as Error).message}\n\n${command.usage}\n`);
      return 2;
    }
    io.stderr.write(
      `cowshare ${name}: ${error instanceof CowshareError ? error.message : String((error as Error)?.stack ?? error)}\n`,
    );
    return 1;
  }
}
