import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  ContainerSpecSchema,
  ProcessSpecSchema,
  TaskSpecSchema,
} from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { TaskSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  FileTargetSchema,
  PlacementSchema,
  ResourceRequirementsSchema,
  ResourcesSchema,
  RestartPolicySchema,
  SecretReferenceSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { MISSING_COMMAND_MESSAGE, validateTaskSpec } from "./task_spec.ts";

function processTask(
  fields: Parameters<typeof create<typeof ProcessSpecSchema>>[1] = {},
): TaskSpec {
  return create(TaskSpecSchema, {
    runtime: { case: "process", value: create(ProcessSpecSchema, { command: "sleep", ...fields }) },
  });
}

function containerTask(fields: Parameters<typeof create<typeof ContainerSpecSchema>>[1] = {}) {
  return create(TaskSpecSchema, {
    runtime: {
      case: "container",
      value: create(ContainerSpecSchema, { image: "alpine:3.20", ...fields }),
    },
  });
}

Deno.test("validateTaskSpec accepts a full process task", () => {
  validateTaskSpec(
    create(TaskSpecSchema, {
      runtime: {
        case: "process",
        value: create(ProcessSpecSchema, {
          command: "sleep",
          args: ["1000"],
          env: ["A=1"],
          dir: "/tmp",
          stopSignal: "SIGINT",
          stopGracePeriod: create(DurationSchema, { seconds: 10n }),
          secrets: [
            create(SecretReferenceSchema, {
              secretId: "s1",
              secretName: "db",
              file: create(FileTargetSchema, { name: "db", mode: 0o400 }),
            }),
          ],
        }),
      },
      resources: create(ResourceRequirementsSchema, {
        limits: create(ResourcesSchema, { nanoCpus: 500_000_000n, memoryBytes: 64n << 20n }),
      }),
      restart: create(RestartPolicySchema, { maxAttempts: 3 }),
      placement: create(PlacementSchema, { constraints: ["node.role==worker"] }),
    }),
  );
});

Deno.test("validateTaskSpec accepts a container task", () => {
  validateTaskSpec(containerTask({ command: ["sh"], env: ["X=y"], labels: { a: "b" } }));
});

Deno.test("validateTaskSpec wants a runtime with a command", () => {
  const cases: (TaskSpec | undefined)[] = [
    undefined,
    create(TaskSpecSchema),
    processTask({ command: "" }),
    processTask({ command: "  " }),
  ];
  for (const task of cases) {
    assert.throws(() => validateTaskSpec(task), {
      name: "ValidationError",
      message: MISSING_COMMAND_MESSAGE,
    });
  }
  assert.equal(
    MISSING_COMMAND_MESSAGE,
    "missing command: give the command after --, e.g. swarm service create --name web -- sleep 1000",
  );
});

Deno.test("validateTaskSpec wants a container image without spaces", () => {
  assert.throws(() => validateTaskSpec(containerTask({ image: "" })), /missing image/);
  assert.throws(() => validateTaskSpec(containerTask({ image: "a b" })), /invalid image "a b"/);
});

Deno.test("validateTaskSpec checks env, signal, grace period and references", () => {
  assert.throws(() => validateTaskSpec(processTask({ env: ["=1"] })), /environment variable/);
  assert.throws(() => validateTaskSpec(containerTask({ env: ["X"] })), /environment variable/);
  assert.throws(() => validateTaskSpec(processTask({ stopSignal: "BOGUS" })), /stop signal/);
  assert.throws(
    () => validateTaskSpec(containerTask({ stopSignal: "SIGNOPE" })),
    /stop signal/,
  );
  assert.throws(
    () =>
      validateTaskSpec(
        processTask({ stopGracePeriod: create(DurationSchema, { seconds: -1n }) }),
      ),
    /invalid stop grace period -1s: must not be negative/,
  );
  assert.throws(
    () =>
      validateTaskSpec(
        processTask({ secrets: [create(SecretReferenceSchema, { secretName: "x" })] }),
      ),
    /invalid secret reference/,
  );
  assert.throws(() => validateTaskSpec(containerTask({ labels: { "": "x" } })), /empty key/);
});

Deno.test("validateTaskSpec checks resources, restart policy and placement", () => {
  const base = processTask();
  assert.throws(
    () =>
      validateTaskSpec(
        create(TaskSpecSchema, {
          ...base,
          resources: create(ResourceRequirementsSchema, {
            reservations: create(ResourcesSchema, { memoryBytes: 1024n }),
          }),
        }),
      ),
    /invalid memory reservation 1KiB/,
  );
  assert.throws(
    () =>
      validateTaskSpec(
        create(TaskSpecSchema, {
          ...base,
          restart: create(RestartPolicySchema, {
            delay: create(DurationSchema, { seconds: -5n }),
          }),
        }),
      ),
    /invalid restart delay -5s/,
  );
  assert.throws(
    () =>
      validateTaskSpec(
        create(TaskSpecSchema, {
          ...base,
          placement: create(PlacementSchema, { constraints: ["nope"] }),
        }),
      ),
    /invalid constraint "nope"/,
  );
});
