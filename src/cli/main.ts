import { parseCommandArgs, UsageError, type CliCommand, type CliIo } from './cliCommand';
import { collectCommand } from './commands/collectCommand';
import { diagramCommand } from './commands/diagramCommand';
import { doctorCommand } from './commands/doctorCommand';
import { flowsCommand } from './commands/flowsCommand';
import { generateCommand } from './commands/generateCommand';
import { simCommand } from './commands/simCommand';
import { summaryCommand } from './commands/summaryCommand';
import { traceCommand } from './commands/traceCommand';
import { verdictsCommand } from './commands/verdictsCommand';

const COMMANDS: readonly CliCommand[] = [summaryCommand, collectCommand, simCommand, verdictsCommand, traceCommand, flowsCommand, doctorCommand, diagramCommand, generateCommand];

function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: cni-lens <command> [options]',
    '',
    'EKS pod networking through the AWS VPC CNI and Cilium, from a live cluster or a snapshot directory.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `cni-lens <command> --help` for the options of a command.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(topUsage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`cni-lens: unknown command "${name}"\n\n${topUsage()}\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      io.out(command.usage + '\n');
      return 0;
    }
    return await command.run(values, positionals, io, signal);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`cni-lens ${command.name}: ${err.message}\n\n${command.usage}\n`);
      return 2;
    }
    io.err(`cni-lens ${command.name}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // the AWS SDK warns on every run that releases after January 2027 need Node 22; the version is pinned
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // output piped into `head` and closed early is not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  runCli(process.argv.slice(2), io, controller.signal).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cni-lens: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
