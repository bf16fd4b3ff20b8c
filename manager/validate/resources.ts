/**
 * Rules for task resource limits and reservations.
 *
 * @module
 */

import type { ResourceRequirements, Resources } from "../../proto/gen/swarm/v1/types_pb.ts";
import { formatBytes, formatCpus } from "./units.ts";
import { ValidationError } from "./validation_error.ts";

/** Smallest non-zero CPU amount: 0.001 CPU, in nano-CPUs. */
export const MIN_NANO_CPUS = 1_000_000n;
/** Smallest non-zero memory amount: 4 MiB. */
export const MIN_MEMORY_BYTES = 4n * 1024n * 1024n;

/**
 * Checks limits and reservations: CPU at least 0.001 and memory at least 4 MiB when non-zero,
 * and a reservation no larger than the matching limit.
 *
 * @throws {ValidationError}
 */
export function validateResourceRequirements(r: ResourceRequirements | undefined): void {
  if (r === undefined) return;
  validateResources(r.limits, "limit");
  validateResources(r.reservations, "reservation");
  const { limits, reservations } = r;
  if (limits === undefined || reservations === undefined) return;
  if (limits.nanoCpus > 0n && reservations.nanoCpus > limits.nanoCpus) {
    throw new ValidationError(
      `invalid CPU reservation ${
        formatCpus(reservations.nanoCpus)
      }: it is greater than the CPU limit ${
        formatCpus(limits.nanoCpus)
      }; reserve at most the limit`,
    );
  }
  if (limits.memoryBytes > 0n && reservations.memoryBytes > limits.memoryBytes) {
    throw new ValidationError(
      `invalid memory reservation ${
        formatBytes(reservations.memoryBytes)
      }: it is greater than the memory limit ${
        formatBytes(limits.memoryBytes)
      }; reserve at most the limit`,
    );
  }
}

function validateResources(r: Resources | undefined, kind: "limit" | "reservation"): void {
  if (r === undefined) return;
  if (r.nanoCpus !== 0n && r.nanoCpus < MIN_NANO_CPUS) {
    throw new ValidationError(
      `invalid CPU ${kind} ${formatCpus(r.nanoCpus)}: must be at least 0.001 CPU, or 0 for none`,
    );
  }
  if (r.memoryBytes !== 0n && r.memoryBytes < MIN_MEMORY_BYTES) {
    throw new ValidationError(
      `invalid memory ${kind} ${formatBytes(r.memoryBytes)}: must be at least 4MiB, or 0 for none`,
    );
  }
}
