import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type Node, NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { RaftMemberStatus_Reachability as R } from "../proto/gen/swarm/v1/types_pb.ts";
import { managerStatusChanges } from "./manager_status.ts";

const node = (id: string, leader: boolean, reachability: R): Node =>
  create(NodeSchema, { id, managerStatus: { raftId: id, addr: `${id}:1`, leader, reachability } });

Deno.test("the leader marks itself leader and the others by their reachability", () => {
  const nodes = new Map([
    ["a", node("a", false, R.REACHABLE)], // the new leader
    ["b", node("b", true, R.REACHABLE)], // the old leader, now gone
    ["c", node("c", false, R.REACHABLE)], // fine: unchanged
    ["w", create(NodeSchema, { id: "w" })], // no manager status: never touched
  ]);
  const changed = managerStatusChanges(
    "a",
    { voters: ["a", "b", "c"], learners: ["w"] },
    (id) => nodes.get(id),
    (id) => id !== "b",
  );
  assert.deepEqual(
    changed.map((n) => [n.id, n.managerStatus!.leader, n.managerStatus!.reachability]),
    [["a", true, R.REACHABLE], ["b", false, R.UNREACHABLE]],
  );
  assert.equal(nodes.get("a")!.managerStatus!.leader, false, "inputs are not modified");
});
