import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ResourceRequirementsSchema, ResourcesSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { MIN_MEMORY_BYTES, MIN_NANO_CPUS, validateResourceRequirements } from "./resources.ts";

const MiB = 1024n * 1024n;
const res = (nanoCpus: bigint, memoryBytes: bigint) =>
  create(ResourcesSchema, { nanoCpus, memoryBytes });
const req = (limits?: [bigint, bigint], reservations?: [bigint, bigint]) =>
  create(ResourceRequirementsSchema, {
    ...(limits ? { limits: res(...limits) } : {}),
    ...(reservations ? { reservations: res(...reservations) } : {}),
  });

Deno.test("validateResourceRequirements accepts unset, zero and large enough amounts", () => {
  validateResourceRequirements(undefined);
  validateResourceRequirements(req());
  validateResourceRequirements(req([0n, 0n], [0n, 0n]));
  validateResourceRequirements(req([MIN_NANO_CPUS, MIN_MEMORY_BYTES]));
  validateResourceRequirements(req([2_000_000_000n, 512n * MiB], [1_000_000_000n, 64n * MiB]));
  // A reservation with no limit is fine.
  validateResourceRequirements(req([0n, 0n], [4_000_000_000n, 1024n * MiB]));
});

Deno.test("validateResourceRequirements rejects CPU below 0.001", () => {
  assert.throws(() => validateResourceRequirements(req([MIN_NANO_CPUS - 1n, 0n])), {
    name: "ValidationError",
    message: "invalid CPU limit 0.000999999: must be at least 0.001 CPU, or 0 for none",
  });
  assert.throws(
    () => validateResourceRequirements(req(undefined, [-1_000_000_000n, 0n])),
    /invalid CPU reservation -1: must be at least 0.001 CPU/,
  );
});

Deno.test("validateResourceRequirements rejects memory below 4MiB", () => {
  assert.throws(() => validateResourceRequirements(req([0n, MiB])), {
    message: "invalid memory limit 1MiB: must be at least 4MiB, or 0 for none",
  });
  assert.throws(
    () => validateResourceRequirements(req(undefined, [0n, MIN_MEMORY_BYTES - 1n])),
    /invalid memory reservation 3.99MiB/,
  );
});

Deno.test("validateResourceRequirements rejects a reservation above the limit", () => {
  assert.throws(
    () => validateResourceRequirements(req([1_000_000_000n, 0n], [2_000_000_000n, 0n])),
    /invalid CPU reservation 2: it is greater than the CPU limit 1/,
  );
  assert.throws(
    () => validateResourceRequirements(req([0n, 64n * MiB], [0n, 128n * MiB])),
    /invalid memory reservation 128MiB: it is greater than the memory limit 64MiB/,
  );
});
