/**
 * The shape of a client command and its group, and their help texts.
 *
 * @module
 */

import type { FlagDefs, ParsedArgs } from "./args.ts";
import type { Context } from "./context.ts";

/** One command, e.g. `swarm service create`. */
export interface Command {
  /** The word that runs it, e.g. "create". */
  readonly name: string;
  /** Other words that run it, e.g. ["remove"] for "rm". */
  readonly aliases?: readonly string[];
  /** One line for lists, e.g. "Create a service". */
  readonly summary: string;
  /** The usage line, e.g. "swarm service create [OPTIONS] -- COMMAND [ARG...]". */
  readonly usage: string;
  /** More about the command, shown after the summary in its help (lines ending in "\n"). */
  readonly description?: string;
  /** The option lines of the help text ("" when there are none besides the common ones). */
  readonly options: string;
  /** Its own flags; {@linkcode COMMON_FLAGS} are added. */
  readonly flags: FlagDefs;
  /** Runs the command; returns the exit code. */
  run(ctx: Context, args: ParsedArgs): Promise<number>;
}

/** A group of commands, e.g. `swarm service`. */
export interface CommandGroup {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  readonly commands: readonly Command[];
}

/** Finds a command or group by name or alias. */
export function findByName<T extends { name: string; aliases?: readonly string[] }>(
  list: readonly T[],
  word: string,
): T | undefined {
  return list.find((c) => c.name === word || (c.aliases ?? []).includes(word));
}

/** The words of a list, aliases included, for suggestions. */
export function allNames(list: readonly { name: string; aliases?: readonly string[] }[]): string[] {
  return list.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}

const COMMON_OPTIONS: readonly [string, string][] = [
  ["  -s, --socket PATH", "Control socket of a manager (env SWARM_SOCKET)"],
  ["      --host HOST:PORT", "A manager's remote API over mutual TLS (env SWARM_HOST)"],
  ["      --tls-cert FILE", "Client certificate, a manager's (env SWARM_CERT_PATH/cert.pem)"],
  ["      --tls-key FILE", "Its private key (env SWARM_CERT_PATH/key.pem)"],
  ["      --tls-ca FILE", "The cluster's root CA (env SWARM_CERT_PATH/ca.pem)"],
  ["  -h, --help", "Show this help"],
];

/** The help text of a command; the common options are aligned with the command's own. */
export function commandHelp(cmd: Command): string {
  const lines = cmd.options.split("\n").filter((l) => l !== "");
  let column = Math.max(...COMMON_OPTIONS.map(([flag]) => flag.length + 2));
  for (const line of lines) {
    const m = /^\s+-\S.*?\S\s{2,}\S/.exec(line);
    if (m !== null) column = Math.max(column, m[0].length - 1);
  }
  const common = COMMON_OPTIONS.map(([flag, text]) => `${flag.padEnd(column)}${text}\n`).join("");
  const more = cmd.description ? `${cmd.description}\n` : "";
  return `Usage:  ${cmd.usage}\n\n${cmd.summary}\n\n${more}Options:\n${cmd.options}${common}`;
}

/** The help text of a group: its commands. */
export function groupHelp(path: string, group: CommandGroup): string {
  const width = Math.max(...group.commands.map((c) => c.name.length)) + 3;
  const lines = group.commands.map((c) => {
    const aliases = c.aliases?.length ? ` (alias: ${c.aliases.join(", ")})` : "";
    return `  ${c.name.padEnd(width)}${c.summary}${aliases}\n`;
  });
  const aliases = group.aliases?.length ? `\nAliases: ${group.aliases.join(", ")}\n` : "";
  return `Usage:  ${path} COMMAND\n\n${group.summary}\n${aliases}\nCommands:\n${
    lines.join("")
  }\nRun '${path} COMMAND --help' for more on a command.\n`;
}
