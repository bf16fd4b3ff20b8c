/**
 * `swarm task inspect`: one task as JSON.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { GetTaskRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { TaskSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { printMessage } from "../../output.ts";
import { resolveTask } from "../../resolve.ts";

/** `swarm task inspect`. */
export const taskInspect: Command = {
  name: "inspect",
  summary: "Show a task as JSON",
  usage: "swarm task inspect TASK",
  options: "",
  flags: {},
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 1, 1, "TASK (an ID or ID prefix)");
    const api = ctx.api();
    const found = await resolveTask(api, ref!);
    const { task } = await api.getTask(create(GetTaskRequestSchema, { taskId: found.id }));
    printMessage(ctx, TaskSchema, task ?? found);
    return 0;
  },
};
