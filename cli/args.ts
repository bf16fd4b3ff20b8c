/**
 * Command-line parsing for one command, on top of `node:util` parseArgs in strict mode. Turns
 * parseArgs' errors into {@linkcode UsageError}s that name the flag and the command.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { FlagSource } from "./flag_values.ts";
import { suggest } from "./suggest.ts";
import { UsageError } from "./usage_error.ts";

/** One flag: a string or a boolean, with an optional one-letter short form. */
export interface FlagDef {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
}

/** Flags by long name. */
export type FlagDefs = Record<string, FlagDef>;

/**
 * Flags every command accepts: where the control API is (a socket, or a remote manager and its
 * TLS files), the output format and help.
 */
export const COMMON_FLAGS: FlagDefs = {
  socket: { type: "string", short: "s" },
  host: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "tls-ca": { type: "string" },
  format: { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** The parsed flag values of one command, with typed getters. */
export class Flags {
  readonly #values: Record<string, unknown>;
  /** The command these flags belong to, e.g. "swarm service create". */
  readonly command: string;

  constructor(values: Record<string, unknown>, command: string) {
    this.#values = values;
    this.command = command;
  }

  /** Whether the flag was given. */
  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }

  /** The value of a string flag (the last one if repeated). */
  string(name: string): string | undefined {
    const v = this.#values[name];
    if (Array.isArray(v)) return v.at(-1) as string | undefined;
    return typeof v === "string" ? v : undefined;
  }

  /** Every value of a repeatable string flag, in order. */
  strings(name: string): string[] {
    const v = this.#values[name];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
    return typeof v === "string" ? [v] : [];
  }

  /** Whether a boolean flag was set. */
  bool(name: string): boolean {
    return this.#values[name] === true;
  }

  /** Where a value came from, for {@linkcode FlagSource}-taking parsers. */
  src(name: string): FlagSource {
    return { flag: name, command: this.command };
  }
}

/** The result of parsing one command's arguments. */
export interface ParsedArgs {
  flags: Flags;
  /** Arguments before `--` that are not flags. */
  positionals: string[];
  /** Arguments after `--`, or undefined when there was no `--`. */
  rest: string[] | undefined;
}

/**
 * Parses `args` for `command` with its own flags plus {@linkcode COMMON_FLAGS}.
 *
 * @throws {UsageError} for an unknown flag, a missing value or a value on a boolean flag.
 */
export function parseCommandArgs(command: string, args: string[], defs: FlagDefs): ParsedArgs {
  const options = { ...COMMON_FLAGS, ...defs };
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true, tokens: true });
  } catch (err) {
    throw toUsageError(err, command, options);
  }
  const terminator = parsed.tokens.find((t) => t.kind === "option-terminator");
  const positionals: string[] = [];
  let rest: string[] | undefined;
  for (const token of parsed.tokens) {
    if (token.kind !== "positional") continue;
    if (terminator !== undefined && token.index > terminator.index) {
      (rest ??= []).push(token.value);
    } else {
      positionals.push(token.value);
    }
  }
  if (terminator !== undefined) rest ??= [];
  return { flags: new Flags(parsed.values, command), positionals, rest };
}

function toUsageError(err: unknown, command: string, options: FlagDefs): UsageError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  const names = Object.keys(options).map((n) => `--${n}`);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']*)'/.exec(message)?.[1] ?? "?";
    const close = flag.startsWith("--") ? suggest(flag, names) : undefined;
    return new UsageError(
      `unknown flag ${flag} for "${command}"${close ? `: did you mean ${close}?` : ""}`,
      command,
    );
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /'(-[^' ]*)/.exec(message)?.[1] ?? "?";
    if (message.includes("does not take an argument")) {
      return new UsageError(`flag ${flag} takes no value`, command);
    }
    if (message.includes("ambiguous")) {
      return new UsageError(
        `flag ${flag} needs a value: to give a value that starts with '-', write ${flag}=VALUE`,
        command,
      );
    }
    return new UsageError(`flag ${flag} needs a value`, command);
  }
  return new UsageError(message, command);
}

/**
 * Checks the number of positional arguments.
 *
 * @param names how to call them in the message, e.g. "SERVICE".
 * @throws {UsageError}
 */
export function expectPositionals(
  parsed: ParsedArgs,
  min: number,
  max: number,
  names: string,
): string[] {
  const n = parsed.positionals.length;
  const command = parsed.flags.command;
  if (n < min) {
    throw new UsageError(`"${command}" needs ${min === max ? "" : "at least "}${names}`, command);
  }
  if (n > max) {
    const extra = parsed.positionals[max] ?? "";
    throw new UsageError(
      max === 0
        ? `"${command}" takes no arguments, got ${JSON.stringify(extra)}`
        : `too many arguments for "${command}": unexpected ${JSON.stringify(extra)}`,
      command,
    );
  }
  return parsed.positionals;
}
