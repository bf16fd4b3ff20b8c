/**
 * Every client command, by group.
 *
 * @module
 */

import type { Command, CommandGroup } from "../command.ts";
import { clusterGroup } from "./cluster/commands.ts";
import { nodeGroup } from "./node/group.ts";
import { configGroup, secretGroup } from "./secret_config/group.ts";
import { serviceGroup } from "./service/group.ts";
import { taskGroup } from "./task/group.ts";
import { joinTokenCommand } from "./join_token.ts";
import { versionCommand } from "./version.ts";
import { unlockCommand } from "./unlock.ts";
import { unlockKeyCommand } from "./unlock_key.ts";

/** The command groups: `swarm service ...`, `swarm node ...`, ... */
export const GROUPS: readonly CommandGroup[] = [
  serviceGroup,
  nodeGroup,
  taskGroup,
  clusterGroup,
  secretGroup,
  configGroup,
];

/** Commands with no group: `swarm join-token`, `swarm unlock`, `swarm unlock-key`,
 * `swarm version`. */
export const TOP_COMMANDS: readonly Command[] = [
  joinTokenCommand,
  unlockCommand,
  unlockKeyCommand,
  versionCommand,
];
