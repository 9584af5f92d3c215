// Argument parsing for every subcommand: strict (unknown flags are errors), with a
// `--help` on each, and one-line reasons for bad values.

import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses argv strictly; `--help` is always accepted. */

export function parse(argv: string[], options: Options, allowPositionals = false): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (error) {
    // node:util's messages are long and mention internals; keep the first sentence.
    const message = (error as Error).message.split('. ')[0].replace(/\.$/, '');
    throw new UsageError(message);
  }
}

/** A string flag's value, or undefined when it was not given. */
export const optional = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function stringOption(parsed: Parsed, name: string, fallback?: string): string {
  const value = parsed.values[name];
  if (typeof value === 'string') return value;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`missing --${name}`);
}

/** An integer option within [min, max]. */
export function intOption(parsed: Parsed, name: string, fallback: number, min: number, max: number): number {
  const raw = parsed.values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  }
  return value;
}

export function numberOption(parsed: Parsed, name: string, fallback: number): number {
  const raw = parsed.values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${name} must be a non-negative number, got "${String(raw)}"`);
  }
  return value;
}
