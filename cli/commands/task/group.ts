/**
 * The `swarm task` command group.
 *
 * @module
 */

import type { CommandGroup } from "../../command.ts";
import { taskInspect } from "./inspect.ts";
import { taskLs } from "./ls.ts";
import { taskLogs } from "../service/logs.ts";

/** `swarm task`. */
export const taskGroup: CommandGroup = {
  name: "task",
  aliases: ["tasks"],
  summary: "Look at tasks",
  commands: [taskLs, taskInspect, taskLogs],
};
