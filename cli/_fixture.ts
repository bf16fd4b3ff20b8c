/**
 * Test helper: a fake cluster with two nodes, two services and their tasks.
 *
 * @module
 */

import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NodeSpec_Availability } from "../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
  TaskState,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { FakeControlApi } from "./fake_control_api.ts";
import { NOW } from "./_run_client.ts";

/** A time `seconds` before {@linkcode NOW}. */
export function secondsAgo(seconds: number) {
  return timestampFromDate(new Date(NOW.getTime() - seconds * 1000));
}

/**
 * Nodes "node1aaa…" (manager1, leader) and "node2bbb…" (worker1, drained); services "web"
 * (replicated ×2, ID "svcweb…") and "agent" (global, ID "svcagent…"); web has a running task
 * in each slot plus a failed older one in slot 1.
 */
export function fixture(): FakeControlApi {
  const api = new FakeControlApi({ now: () => NOW });
  api.addNode({
    id: "node1aaaaaaaaaaaaaaaaaaaa",
    role: NodeRole.MANAGER,
    description: { hostname: "manager1" },
    status: { state: NodeStatus_State.READY, addr: "10.0.0.1" },
    spec: { desiredRole: NodeRole.MANAGER },
    managerStatus: {
      leader: true,
      reachability: RaftMemberStatus_Reachability.REACHABLE,
      addr: "10.0.0.1:4242",
    },
  });
  api.addNode({
    id: "node2bbbbbbbbbbbbbbbbbbbb",
    description: { hostname: "worker1" },
    status: { state: NodeStatus_State.READY },
    spec: { availability: NodeSpec_Availability.DRAIN },
  });
  api.addService({
    id: "svcwebxxxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "web" },
      task: { runtime: { case: "process", value: { command: "sleep", args: ["1000"] } } },
      mode: { case: "replicated", value: { replicas: 2 } },
    },
  });
  api.addService({
    id: "svcagentxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "agent" },
      task: { runtime: { case: "process", value: { command: "agent" } } },
      mode: { case: "global", value: {} },
    },
  });
  api.addTask({
    id: "task1oldxxxxxxxxxxxxxxxxx",
    serviceId: "svcwebxxxxxxxxxxxxxxxxxxx",
    slot: 1,
    nodeId: "node2bbbbbbbbbbbbbbbbbbbb",
    desiredState: TaskState.SHUTDOWN,
    status: { state: TaskState.FAILED, timestamp: secondsAgo(120), err: "task: non-zero exit (1)" },
  });
  api.addTask({
    id: "task1newxxxxxxxxxxxxxxxxx",
    serviceId: "svcwebxxxxxxxxxxxxxxxxxxx",
    slot: 1,
    nodeId: "node1aaaaaaaaaaaaaaaaaaaa",
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.RUNNING, timestamp: secondsAgo(5) },
  });
  api.addTask({
    id: "task2xxxxxxxxxxxxxxxxxxxx",
    serviceId: "svcwebxxxxxxxxxxxxxxxxxxx",
    slot: 2,
    nodeId: "node1aaaaaaaaaaaaaaaaaaaa",
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.STARTING, timestamp: secondsAgo(1) },
  });
  api.addTask({
    id: "taskagentxxxxxxxxxxxxxxxx",
    serviceId: "svcagentxxxxxxxxxxxxxxxxx",
    nodeId: "node1aaaaaaaaaaaaaaaaaaaa",
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.RUNNING, timestamp: secondsAgo(3600) },
  });
  return api;
}
