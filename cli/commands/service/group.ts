/**
 * The `swarm service` command group.
 *
 * @module
 */

import type { CommandGroup } from "../../command.ts";
import { serviceCreate } from "./create.ts";
import { serviceInspect } from "./inspect.ts";
import { serviceLogs } from "./logs.ts";
import { serviceLs } from "./ls.ts";
import { servicePs } from "./ps.ts";
import { serviceRm } from "./rm.ts";
import { serviceScale } from "./scale.ts";
import { serviceUpdate } from "./update.ts";

/** `swarm service`. */
export const serviceGroup: CommandGroup = {
  name: "service",
  aliases: ["svc", "services"],
  summary: "Manage services",
  commands: [
    serviceCreate,
    serviceLs,
    serviceInspect,
    servicePs,
    serviceLogs,
    serviceScale,
    serviceUpdate,
    serviceRm,
  ],
};
