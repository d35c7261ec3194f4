import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Output streams of a command, injectable for tests. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface CliCommand {
  name: string;
  summary: string;
  /** Usage text shown by `--help` and on bad arguments. */
  usage: string;
  options: CliOptions;
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: string[], io: CliIo, signal: AbortSignal): Promise<number>;
}

/** A bad argument: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export function parseCommandArgs(command: CliCommand, argv: string[]): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalInt(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${String(v)}"`);
  return n;
}
