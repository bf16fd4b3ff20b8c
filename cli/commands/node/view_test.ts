import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import { hostnameText, managerStatusText, nodeRow } from "./view.ts";

Deno.test("nodeRow shows status, availability and manager status", () => {
  const leader = create(NodeSchema, {
    id: "n1",
    description: { hostname: "host-1" },
    status: { state: NodeStatus_State.READY },
    spec: { availability: NodeSpec_Availability.ACTIVE },
    managerStatus: { leader: true, reachability: RaftMemberStatus_Reachability.REACHABLE },
  });
  assert.deepEqual(nodeRow(leader), ["n1", "host-1", "Ready", "Active", "Leader"]);
  const worker = create(NodeSchema, {
    id: "n2",
    spec: { annotations: { name: "named" }, availability: NodeSpec_Availability.DRAIN },
    status: { state: NodeStatus_State.DOWN },
  });
  assert.deepEqual(nodeRow(worker), ["n2", "named", "Down", "Drain", ""]);
  assert.deepEqual(nodeRow(create(NodeSchema, { id: "n3" })), ["n3", "", "Unknown", "Active", ""]);
});

Deno.test("managerStatusText shows reachability of followers", () => {
  const follower = create(NodeSchema, {
    managerStatus: { reachability: RaftMemberStatus_Reachability.UNREACHABLE },
  });
  assert.equal(managerStatusText(follower), "Unreachable");
  assert.equal(managerStatusText(create(NodeSchema, { managerStatus: {} })), "Unknown");
  assert.equal(hostnameText(create(NodeSchema)), "");
});
