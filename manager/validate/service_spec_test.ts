import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { isJobMode, validateServiceSpec } from "./service_spec.ts";

type Init = Exclude<MessageInitShape<typeof ServiceSpecSchema>, ServiceSpec>;

function spec(patch: Init = {}): ServiceSpec {
  return create(ServiceSpecSchema, {
    annotations: { name: "web", labels: { tier: "front" } },
    task: { runtime: { case: "process", value: { command: "sleep" } } },
    mode: { case: "replicated", value: { replicas: 3 } },
    ...patch,
  });
}

Deno.test("validateServiceSpec accepts every mode", () => {
  validateServiceSpec(spec());
  validateServiceSpec(spec({ mode: { case: "global", value: {} } }));
  validateServiceSpec(
    spec({ mode: { case: "replicatedJob", value: { maxConcurrent: 2, totalCompletions: 10 } } }),
  );
  validateServiceSpec(spec({ mode: { case: "globalJob", value: {} } }));
  validateServiceSpec(spec({ update: { parallelism: 2 }, rollback: { parallelism: 1 } }));
});

Deno.test("validateServiceSpec wants a spec and a name", () => {
  assert.throws(() => validateServiceSpec(undefined), {
    name: "ValidationError",
    message: /missing service spec/,
  });
  const unnamed = spec();
  unnamed.annotations = undefined;
  assert.throws(() => validateServiceSpec(unnamed), /missing service name/);
  assert.throws(
    () => validateServiceSpec(spec({ annotations: { name: "Web!" } })),
    /invalid service name "Web!"/,
  );
  assert.throws(
    () =>
      validateServiceSpec(
        spec({ annotations: { name: "web", labels: { "": "x" } } }),
      ),
    /invalid service label with an empty key/,
  );
});

Deno.test("validateServiceSpec wants a task with a command", () => {
  const noTask = spec();
  noTask.task = undefined;
  assert.throws(() => validateServiceSpec(noTask), /missing command/);
});

Deno.test("validateServiceSpec wants a mode", () => {
  assert.throws(
    () => validateServiceSpec(spec({ mode: { case: undefined } })),
    /missing service mode/,
  );
});

Deno.test("validateServiceSpec refuses an update or rollback config on jobs", () => {
  const modes: [NonNullable<Init["mode"]>, string][] = [
    [{ case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 1 } }, "replicated-job"],
    [{ case: "globalJob", value: {} }, "global-job"],
  ];
  for (const [mode, name] of modes) {
    assert.throws(
      () => validateServiceSpec(spec({ mode, update: {} })),
      {
        name: "ValidationError",
        message:
          `invalid ${name} service: jobs run to completion and cannot have an update config; remove it`,
      },
    );
    assert.throws(
      () => validateServiceSpec(spec({ mode, rollback: {} })),
      /jobs run to completion and cannot have a rollback config; remove it/,
    );
  }
});

Deno.test("validateServiceSpec wants a replicated job to run at least one task at a time", () => {
  assert.throws(
    () =>
      validateServiceSpec(
        spec({ mode: { case: "replicatedJob", value: { maxConcurrent: 0, totalCompletions: 3 } } }),
      ),
    {
      name: "ValidationError",
      message:
        "invalid replicated-job service: max concurrent must be at least 1 (the tasks the job runs at once)",
    },
  );
  // No completions at all is a job with nothing to do, not a mistake.
  validateServiceSpec(
    spec({ mode: { case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 0 } } }),
  );
});

Deno.test("validateServiceSpec checks update and rollback configs", () => {
  assert.throws(
    () => validateServiceSpec(spec({ update: { maxFailureRatio: 2 } })),
    /invalid update max failure ratio 2/,
  );
  assert.throws(
    () => validateServiceSpec(spec({ rollback: { maxFailureRatio: -1 } })),
    /invalid rollback max failure ratio -1/,
  );
});

Deno.test("validateServiceSpec refuses max replicas per node on a global service or job", () => {
  const task = {
    runtime: { case: "process", value: { command: "sleep" } },
    placement: { maxReplicas: 2 },
  } as const;
  assert.throws(
    () => validateServiceSpec(spec({ mode: { case: "global", value: {} }, task })),
    /invalid global service: max replicas per node applies to replicated services and jobs; a global service runs one task per node/,
  );
  assert.throws(
    () => validateServiceSpec(spec({ mode: { case: "globalJob", value: {} }, task })),
    /invalid global-job service: max replicas per node applies .* a global job runs one task/,
  );
  validateServiceSpec(
    spec({
      mode: { case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 2 } },
      task,
    }),
  );
});

Deno.test("validateServiceSpec checks the parallelism of update and rollback configs", () => {
  assert.throws(
    () => validateServiceSpec(spec({ update: { parallelism: -1 } })),
    /invalid update parallelism -1: must be a whole number from 0 to 4294967295 \(0 replaces all tasks at once\)/,
  );
  assert.throws(
    () => validateServiceSpec(spec({ rollback: { parallelism: 1.5 } })),
    /invalid rollback parallelism 1.5/,
  );
});

Deno.test("isJobMode: replicated-job and global-job", () => {
  assert.equal(isJobMode(spec({ mode: { case: "globalJob", value: {} } })), true);
  assert.equal(
    isJobMode(spec({ mode: { case: "replicatedJob", value: { maxConcurrent: 1 } } })),
    true,
  );
  assert.equal(isJobMode(spec()), false);
  assert.equal(isJobMode(spec({ mode: { case: "global", value: {} } })), false);
  assert.equal(isJobMode(undefined), false);
});
