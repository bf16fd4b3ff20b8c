/**
 * `swarm node update`, `promote`, `demote`, `activate`, `pause`, `drain`: change a node's spec
 * (read-modify-write with the node's version).
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import { UpdateNodeRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { Node } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { NodeSpec } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import { AnnotationsSchema, NodeRole } from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { isConnectionFailure } from "../../context.ts";
import type { ControlApi } from "../../control_api.ts";
import { rpcMessage } from "../../control_api.ts";
import { parseChoice, parseKeyValue } from "../../flag_values.ts";
import { resolveNode } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";

/** Sends a changed copy of a node's spec. */
export async function updateNodeSpec(
  api: ControlApi,
  node: Node,
  change: (spec: NodeSpec) => void,
): Promise<void> {
  const spec = clone(NodeSpecSchema, node.spec ?? create(NodeSpecSchema));
  change(spec);
  await api.updateNode(create(UpdateNodeRequestSchema, {
    nodeId: node.id,
    ...(node.meta?.version ? { nodeVersion: node.meta.version } : {}),
    spec,
  }));
}

const AVAILABILITY = {
  active: NodeSpec_Availability.ACTIVE,
  pause: NodeSpec_Availability.PAUSE,
  drain: NodeSpec_Availability.DRAIN,
};
const ROLES = { worker: NodeRole.WORKER, manager: NodeRole.MANAGER };

/** `swarm node update`. */
export const nodeUpdate: Command = {
  name: "update",
  summary: "Change a node's availability, role or labels",
  usage: "swarm node update [OPTIONS] NODE",
  options: `      --availability WHAT   active, pause or drain
      --role ROLE           worker or manager
      --label-add KEY=VALUE Set a node label (repeatable)
      --label-rm KEY        Remove a node label (repeatable)
`,
  flags: {
    availability: { type: "string" },
    role: { type: "string" },
    "label-add": { type: "string", multiple: true },
    "label-rm": { type: "string", multiple: true },
  },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 1, 1, "NODE (an ID or hostname)");
    const { flags } = args;
    const availabilityText = flags.string("availability");
    const availability = availabilityText === undefined
      ? undefined
      : parseChoice(flags.src("availability"), availabilityText, AVAILABILITY);
    const roleText = flags.string("role");
    const role = roleText === undefined
      ? undefined
      : parseChoice(flags.src("role"), roleText, ROLES);
    const labels = flags.strings("label-add").map((v) => parseKeyValue(flags.src("label-add"), v));
    const removed = flags.strings("label-rm");
    if (
      availability === undefined && role === undefined && labels.length === 0 &&
      removed.length === 0
    ) {
      throw new UsageError(
        "nothing to update: give --availability, --role, --label-add or --label-rm",
        "swarm node update",
      );
    }
    const api = ctx.api();
    const node = await resolveNode(api, ref!);
    await updateNodeSpec(api, node, (spec) => {
      if (availability !== undefined) spec.availability = availability;
      if (role !== undefined) spec.desiredRole = role;
      const annotations = spec.annotations ??= create(AnnotationsSchema);
      for (const key of removed) delete annotations.labels[key];
      for (const [k, v] of labels) annotations.labels[k] = v;
    });
    ctx.out(`${ref}\n`);
    return 0;
  },
};

/**
 * A command that acts on each NODE in turn: `act` returns the line to print. A refusal for one
 * node is reported and the others go on; a lost connection ends the command.
 */
function perNodeCommand(
  name: string,
  summary: string,
  act: (api: ControlApi, node: Node, ref: string) => Promise<string>,
): Command {
  return {
    name,
    summary,
    usage: `swarm node ${name} NODE [NODE...]`,
    options: "",
    flags: {},
    async run(ctx: Context, args: ParsedArgs): Promise<number> {
      const refs = expectPositionals(args, 1, Infinity, "NODE (an ID or hostname)");
      const api = ctx.api();
      let failed = false;
      for (const ref of refs) {
        try {
          ctx.out(`${await act(api, await resolveNode(api, ref), ref)}\n`);
        } catch (err) {
          if (isConnectionFailure(err)) throw err;
          ctx.err(`Error: ${ref}: ${rpcMessage(err)}\n`);
          failed = true;
        }
      }
      return failed ? 1 : 0;
    },
  };
}

function setterCommand(
  name: string,
  summary: string,
  change: (spec: NodeSpec) => void,
  done: string,
): Command {
  return perNodeCommand(name, summary, async (api, node, ref) => {
    await updateNodeSpec(api, node, change);
    return `${ref} ${done}`;
  });
}

/**
 * `promote` and `demote`: set the desired role. A node that already has it gets a message and
 * no request, like Docker; the managers refuse a demotion that would lose quorum.
 */
function roleCommand(
  name: "promote" | "demote",
  summary: string,
  role: NodeRole,
  already: (ref: string) => string,
  done: (ref: string) => string,
): Command {
  return perNodeCommand(name, summary, async (api, node, ref) => {
    if ((node.spec?.desiredRole ?? NodeRole.WORKER) === role) return already(ref);
    await updateNodeSpec(api, node, (s) => (s.desiredRole = role));
    return done(ref);
  });
}

/** `swarm node promote`. */
export const nodePromote = roleCommand(
  "promote",
  "Make nodes managers",
  NodeRole.MANAGER,
  (ref) => `Node ${ref} is already a manager.`,
  (ref) => `Node ${ref} promoted to a manager in the swarm.`,
);
/** `swarm node demote`. */
export const nodeDemote = roleCommand(
  "demote",
  "Make managers workers",
  NodeRole.WORKER,
  (ref) => `Node ${ref} is already a worker.`,
  (ref) => `Manager ${ref} demoted in the swarm.`,
);
/** `swarm node activate`. */
export const nodeActivate = setterCommand(
  "activate",
  "Let nodes take new tasks",
  (s) => (s.availability = NodeSpec_Availability.ACTIVE),
  "is active",
);
/** `swarm node pause`. */
export const nodePause = setterCommand(
  "pause",
  "Keep nodes' tasks but schedule no new ones there",
  (s) => (s.availability = NodeSpec_Availability.PAUSE),
  "is paused",
);
/** `swarm node drain`. */
export const nodeDrain = setterCommand(
  "drain",
  "Move tasks off nodes",
  (s) => (s.availability = NodeSpec_Availability.DRAIN),
  "is draining",
);
