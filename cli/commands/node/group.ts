/**
 * The `swarm node` command group (the cluster's view of nodes; starting a node is
 * `swarm init` / `swarm join`).
 *
 * @module
 */

import type { CommandGroup } from "../../command.ts";
import { nodeInspect } from "./inspect.ts";
import { nodeLs } from "./ls.ts";
import { nodeRm } from "./rm.ts";
import {
  nodeActivate,
  nodeDemote,
  nodeDrain,
  nodePause,
  nodePromote,
  nodeUpdate,
} from "./update.ts";

/** `swarm node`. */
export const nodeGroup: CommandGroup = {
  name: "node",
  aliases: ["nodes"],
  summary: "Manage the swarm's nodes",
  commands: [
    nodeLs,
    nodeInspect,
    nodeUpdate,
    nodeActivate,
    nodePause,
    nodeDrain,
    nodePromote,
    nodeDemote,
    nodeRm,
  ],
};
