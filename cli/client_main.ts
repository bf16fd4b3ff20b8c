/**
 * The `swarm` client: parses the command line, runs one command against the control API and
 * returns the exit code. 0 is success, 1 a failure reported by the manager (or an unreachable
 * manager), 2 a mistake on the command line, found before anything is sent.
 *
 * The node commands (`swarm init`, `swarm join`) live elsewhere; `main.ts` dispatches them and
 * hands everything else to {@linkcode runClient}.
 *
 * @module
 */

import { ValidationError } from "../manager/validate/mod.ts";
import { parseCommandArgs } from "./args.ts";
import type { ClientIO } from "./client_io.ts";
import type { Command, CommandGroup } from "./command.ts";
import { allNames, commandHelp, findByName, groupHelp } from "./command.ts";
import { GROUPS, TOP_COMMANDS } from "./commands/mod.ts";
import { CertificateRefusedError, Context, parseFormat, UnreachableError } from "./context.ts";
import type { OutputFormat } from "./context.ts";
import { rpcCode, rpcMessage } from "./control_api.ts";
import { ResolveError } from "./resolve.ts";
import { suggest } from "./suggest.ts";
import { DEFAULT_SOCKET, type TargetFlags } from "./target.ts";
import { TlsMaterialError } from "./tls_material.ts";
import { UsageError } from "./usage_error.ts";

export type { ClientIO, RemoteTarget } from "./client_io.ts";
export type { ControlApi } from "./control_api.ts";
export { CLIENT_VERSION } from "./version.ts";

export { DEFAULT_SOCKET };

/** The first words the client handles (groups, their aliases, and top-level commands). */
export const CLIENT_COMMANDS: readonly string[] = [
  ...allNames(GROUPS),
  ...allNames(TOP_COMMANDS),
  "help",
];

/** The top-level help text. */
export function clientUsage(): string {
  const entries = [...GROUPS, ...TOP_COMMANDS];
  const width = Math.max(...entries.map((e) => e.name.length)) + 3;
  const lines = entries.map((e) => `  ${e.name.padEnd(width)}${e.summary}\n`).join("");
  return `Usage:  swarm [OPTIONS] COMMAND

Run and manage services on a swarm of nodes.

Commands:
${lines}
Start a node with 'swarm init' (a new swarm) or 'swarm join' (an existing one);
take a stopped node out for good with 'swarm leave'.

Options:
  -s, --socket PATH      Control socket of a manager
                         (env SWARM_SOCKET; default $SWARM_STATE_DIR/swarm.sock,
                         else ${DEFAULT_SOCKET})
      --host HOST:PORT   Administer a manager remotely, on its remote API over mutual TLS
                         (env SWARM_HOST; needs the three files below)
      --tls-cert FILE    Client certificate: a manager's, from the manager's
                         <state-dir>/certificates/swarm-node.crt (env SWARM_CERT_PATH/cert.pem)
      --tls-key FILE     Its unencrypted private key, swarm-node.key (env SWARM_CERT_PATH/key.pem)
      --tls-ca FILE      The cluster's root CA, swarm-root-ca.crt (env SWARM_CERT_PATH/ca.pem)
      --format FORMAT    Output format: table or json (default table)
  -h, --help             Show this help
  -v, --version          Show the client and manager versions

SWARM_CERT_PATH=DIR stands for DIR/cert.pem, DIR/key.pem and DIR/ca.pem; a --tls-* flag
overrides its file. --socket and --host exclude each other.

Run 'swarm COMMAND --help' for more on a command.
`;
}

interface Globals {
  target: TargetFlags;
  format: OutputFormat | undefined;
  help: boolean;
  rest: string[];
}

const GLOBAL_TARGET_FLAGS: Record<string, keyof TargetFlags> = {
  "-s": "socket",
  "--socket": "socket",
  "--host": "host",
  "--tls-cert": "tlsCert",
  "--tls-key": "tlsKey",
  "--tls-ca": "tlsCa",
};

function parseGlobals(argv: readonly string[]): Globals {
  const out: Globals = { target: {}, format: undefined, help: false, rest: [] };
  let i = 0;
  const value = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[++i];
    if (next === undefined || next.startsWith("-")) {
      throw new UsageError(`flag ${flag} needs a value`);
    }
    return next;
  };
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-") || arg === "-") break;
    if (arg === "--") {
      i++;
      break;
    }
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const targetKey = GLOBAL_TARGET_FLAGS[name];
    if (targetKey !== undefined) out.target[targetKey] = value(name, inline);
    else if (name === "--format") out.format = parseFormat(value(name, inline), "swarm");
    else if ((name === "-h" || name === "--help") && inline === undefined) out.help = true;
    else if ((name === "-v" || name === "--version") && inline === undefined) {
      out.rest = ["version", ...argv.slice(i + 1)];
      return out;
    } else {
      const close = suggest(name, [
        ...Object.keys(GLOBAL_TARGET_FLAGS).filter((f) => f.startsWith("--")),
        "--format",
        "--help",
        "--version",
      ]);
      throw new UsageError(
        `unknown flag ${name} for "swarm"${close ? `: did you mean ${close}?` : ""}`,
      );
    }
  }
  out.rest = argv.slice(i);
  return out;
}

function unknownCommand(word: string, path: string, names: readonly string[]): UsageError {
  const close = suggest(word, names);
  return new UsageError(
    `unknown command ${JSON.stringify(word)} for "${path}"${
      close ? `: did you mean ${JSON.stringify(close)}?` : ""
    }`,
    path,
  );
}

async function runCommand(
  ctx: Context,
  path: string,
  cmd: Command,
  args: string[],
): Promise<number> {
  const parsed = parseCommandArgs(path, args, cmd.flags);
  if (parsed.flags.bool("help")) {
    ctx.out(commandHelp(cmd));
    return 0;
  }
  ctx.applyCommonFlags(parsed.flags);
  ctx.target(path); // contradicting or incomplete connection flags are usage errors, found now
  return await cmd.run(ctx, parsed);
}

async function dispatch(argv: readonly string[], io: ClientIO): Promise<number> {
  const globals = parseGlobals(argv);
  const ctx = new Context(io, globals.target, globals.format ?? "table");
  let [word, ...rest] = globals.rest;
  if (word === "help") {
    // "swarm help service create" is "swarm service create --help".
    if (rest.length === 0) word = undefined;
    else {
      [word, ...rest] = [...rest, "--help"];
    }
  }
  if (word === undefined || globals.help) {
    if (word !== undefined) rest.push("--help");
    else {
      ctx.out(clientUsage());
      return 0;
    }
  }
  const top = findByName(TOP_COMMANDS, word);
  if (top !== undefined) return await runCommand(ctx, `swarm ${top.name}`, top, rest);
  const group: CommandGroup | undefined = findByName(GROUPS, word);
  if (group === undefined) {
    throw unknownCommand(word, "swarm", [...allNames(GROUPS), ...allNames(TOP_COMMANDS)]);
  }
  const groupPath = `swarm ${group.name}`;
  const [sub, ...subArgs] = rest;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    ctx.out(groupHelp(groupPath, group));
    return 0;
  }
  const cmd = findByName(group.commands, sub);
  if (cmd === undefined) {
    throw unknownCommand(sub, groupPath, group.commands.map((c) => c.name));
  }
  return await runCommand(ctx, `${groupPath} ${cmd.name}`, cmd, subArgs);
}

/**
 * Runs the `swarm` client with the arguments after the program name and returns the exit code.
 * Errors are printed on `io.stderr` as "Error: ..." and never thrown.
 */
export async function runClient(argv: string[], io: ClientIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`Error: ${err.message}\nRun '${err.command} --help' for usage.\n`);
      return 2;
    }
    if (err instanceof ValidationError) {
      io.stderr(`Error: ${err.message}\n`);
      return 2;
    }
    if (
      err instanceof UnreachableError || err instanceof ResolveError ||
      err instanceof CertificateRefusedError || err instanceof TlsMaterialError
    ) {
      io.stderr(`Error: ${err.message}\n`);
      return 1;
    }
    if (rpcCode(err) !== undefined) {
      io.stderr(`Error: ${rpcMessage(err)}\n`);
      return 1;
    }
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
