/**
 * `swarm version`: the client's version, and the manager's when it can be reached.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { GetVersionRequestSchema } from "../../proto/gen/swarm/v1/control_pb.ts";
import type { GetVersionResponse } from "../../proto/gen/swarm/v1/control_pb.ts";
import type { ParsedArgs } from "../args.ts";
import { expectPositionals } from "../args.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import { rpcMessage } from "../control_api.ts";
import { CLIENT_VERSION } from "../version.ts";

/** `swarm version`. */
export const versionCommand: Command = {
  name: "version",
  summary: "Show the client and manager versions",
  usage: "swarm version [OPTIONS]",
  options: "      --format FORMAT     table or json (default table)\n",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    let server: GetVersionResponse | undefined;
    let problem: string | undefined;
    try {
      server = await ctx.api().getVersion(create(GetVersionRequestSchema));
    } catch (err) {
      problem = rpcMessage(err);
    }
    const deno = globalThis.Deno?.version?.deno ?? "";
    if (ctx.format === "json") {
      ctx.json({
        client: { version: CLIENT_VERSION, denoVersion: deno },
        server: server === undefined
          ? null
          : { version: server.version, denoVersion: server.denoVersion, nodeId: server.nodeId },
      });
    } else {
      let text = `Client:\n Version:      ${CLIENT_VERSION}\n Deno version: ${deno}\n`;
      if (server !== undefined) {
        text +=
          `\nServer:\n Version:      ${server.version}\n Deno version: ${server.denoVersion}\n` +
          ` Node ID:      ${server.nodeId}\n`;
      }
      ctx.out(text);
    }
    if (problem !== undefined) ctx.err(`Server: ${problem}\n`);
    return 0;
  },
};
