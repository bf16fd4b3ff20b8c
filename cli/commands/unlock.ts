/**
 * `swarm unlock`: gives a locked manager (autolock, after a restart) its unlock key, which it
 * reads from standard input — typed at the prompt, or piped in (`swarm unlock < keyfile`) — so
 * the key never shows in the process list or the shell history. Works on the manager's control
 * socket only: a locked manager serves nothing else.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { UnlockRequestSchema } from "../../proto/gen/swarm/v1/nodelock_pb.ts";
import { MalformedUnlockKeyError, parseUnlockKey } from "../../pki/mod.ts";
import type { ParsedArgs } from "../args.ts";
import { expectPositionals } from "../args.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import { UsageError } from "../usage_error.ts";

/** `swarm unlock`. */
export const unlockCommand: Command = {
  name: "unlock",
  summary: "Unlock a restarted manager (autolock): reads the unlock key on standard input",
  usage: "swarm unlock [OPTIONS]",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    if (ctx.target(args.flags.command).kind !== "socket") {
      throw new UsageError(
        "swarm unlock talks to the locked manager's control socket (-s/--socket), not --host: " +
          "a locked manager serves no remote API",
        args.flags.command,
      );
    }
    const io = ctx.io;
    if (io.stdinLine === undefined && io.stdinText === undefined) {
      throw new Error("this client cannot read standard input");
    }
    const text = (io.stdinLine ? await io.stdinLine("Unlock key: ") : await io.stdinText!())
      .trim();
    if (text === "") {
      throw new Error(
        "no unlock key on standard input: type it at the prompt, or pipe it in " +
          "(swarm unlock < FILE); `swarm unlock-key` on a running manager shows it",
      );
    }
    let key: Uint8Array;
    try {
      key = parseUnlockKey(text);
    } catch (e) {
      if (e instanceof MalformedUnlockKeyError) throw new Error(e.message);
      throw e;
    }
    await ctx.api().unlock(create(UnlockRequestSchema, { unlockKey: key }));
    return 0;
  },
};
