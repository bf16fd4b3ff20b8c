import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ClusterSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { ClusterSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { validateClusterSpec } from "./cluster_spec.ts";

type Init = Exclude<MessageInitShape<typeof ClusterSpecSchema>, ClusterSpec>;
const spec = (patch: Init = {}) =>
  create(ClusterSpecSchema, { annotations: { name: "default" }, ...patch });

Deno.test("validateClusterSpec accepts a valid spec", () => {
  validateClusterSpec(spec());
  validateClusterSpec(
    spec({
      orchestration: { taskHistoryRetentionLimit: -1n },
      raft: { heartbeatTick: 1, electionTick: 10, snapshotInterval: 10_000n },
      dispatcher: { heartbeatPeriod: { seconds: 5n } },
      caConfig: { nodeCertExpiry: { seconds: 3600n } },
    }),
  );
});

Deno.test("validateClusterSpec keeps the name default", () => {
  assert.throws(() => validateClusterSpec(undefined), /missing cluster spec/);
  assert.throws(() => validateClusterSpec(spec({ annotations: { name: "prod" } })), {
    name: "ValidationError",
    message: 'invalid cluster name "prod": the cluster is always named "default"',
  });
});

Deno.test("validateClusterSpec wants node certificates to last at least an hour", () => {
  assert.throws(
    () => validateClusterSpec(spec({ caConfig: { nodeCertExpiry: { seconds: 1800n } } })),
    /invalid node certificate expiry 30m0s: must be at least 1h/,
  );
});

Deno.test("validateClusterSpec rejects a negative heartbeat period", () => {
  assert.throws(
    () => validateClusterSpec(spec({ dispatcher: { heartbeatPeriod: { seconds: -1n } } })),
    /invalid dispatcher heartbeat period -1s: must not be negative/,
  );
});

Deno.test("validateClusterSpec wants the election tick above the heartbeat tick", () => {
  assert.throws(
    () => validateClusterSpec(spec({ raft: { heartbeatTick: 3, electionTick: 3 } })),
    /invalid raft election tick 3: must be greater than the heartbeat tick 3/,
  );
  assert.throws(
    () => validateClusterSpec(spec({ raft: { electionTick: 1 } })),
    /heartbeat tick 1/,
  );
  validateClusterSpec(spec({ raft: { heartbeatTick: 5 } }));
});

Deno.test("validateClusterSpec rejects empty label keys", () => {
  assert.throws(
    () => validateClusterSpec(spec({ annotations: { name: "default", labels: { "": "1" } } })),
    /invalid cluster label/,
  );
});
