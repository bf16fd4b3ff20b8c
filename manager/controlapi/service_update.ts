/**
 * What UpdateService does to a service, as pure functions shared by the control server and the
 * client's fake control API (`cli/fake_control_api.ts`):
 *
 * - A change keeps the spec it replaces as `previous_spec` and clears the update status, so the
 *   orchestrator starts a new update — which is also how a paused update resumes. A request
 *   with the very same spec keeps the previous spec as it was, so a rollback still goes back to
 *   what the paused update replaced.
 * - `rollback: PREVIOUS` swaps the spec with the previous one and marks the update status
 *   ROLLBACK_STARTED ("manually requested rollback"); the orchestrator then rolls the tasks back
 *   with the rollback config.
 * - Renaming a service and changing its mode are refused.
 * - A job (replicated-job, global-job) runs again on every update, changed or not: its
 *   `job_status.job_iteration` counts up and `last_execution` is now. Rolling a job back is
 *   refused (update it with the spec to run instead).
 *
 * The spec version is the caller's to set (the server counts up, the fake follows the meta).
 *
 * @module
 */
import { clone, create, equals } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { UpdateServiceRequest } from "../../proto/gen/swarm/v1/control_pb.ts";
import { UpdateServiceRequest_Rollback } from "../../proto/gen/swarm/v1/control_pb.ts";
import {
  type JobStatus,
  JobStatusSchema,
  type Service,
  ServiceSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { isJobMode } from "../validate/mod.ts";
import { UpdateStatus_UpdateState, UpdateStatusSchema } from "../../proto/gen/swarm/v1/types_pb.ts";

/** Why an update is refused: the gRPC code and the message. */
export interface ServiceUpdateRefusal {
  readonly code: "FAILED_PRECONDITION" | "UNIMPLEMENTED" | "INVALID_ARGUMENT";
  readonly message: string;
}

/** The refusal of `req` for `current`, or undefined when it may proceed (validation aside). */
export function serviceUpdateRefusal(
  current: Service,
  req: Pick<UpdateServiceRequest, "spec" | "rollback">,
): ServiceUpdateRefusal | undefined {
  if (req.rollback === UpdateServiceRequest_Rollback.PREVIOUS) {
    if (isJobMode(current.spec)) {
      return {
        code: "FAILED_PRECONDITION",
        message: `Service ${
          current.spec?.annotations?.name || current.id
        } is a job: rolling back does not apply; update it with the spec to run`,
      };
    }
    if (current.previousSpec === undefined) {
      return {
        code: "FAILED_PRECONDITION",
        message: `Service ${
          current.spec?.annotations?.name || current.id
        } has no previous spec to roll back to`,
      };
    }
    return undefined;
  }
  if (req.spec === undefined) return { code: "INVALID_ARGUMENT", message: "spec must be given" };
  if (req.spec.mode.case !== current.spec?.mode.case) {
    return {
      code: "UNIMPLEMENTED",
      message: "Changing a service's mode is not supported: create a new service",
    };
  }
  if (req.spec.annotations?.name !== current.spec?.annotations?.name) {
    return {
      code: "UNIMPLEMENTED",
      message: "Renaming a service is not supported: create a new service",
    };
  }
  return undefined;
}

/**
 * The service after an allowed update (see {@link serviceUpdateRefusal}): spec, previous spec
 * and update status. Meta and spec version are left to the caller.
 */
export function updatedService(
  current: Service,
  req: Pick<UpdateServiceRequest, "spec" | "rollback">,
  now: Date,
): Service {
  const updated = clone(ServiceSchema, current);
  if (req.rollback === UpdateServiceRequest_Rollback.PREVIOUS && current.previousSpec) {
    updated.spec = clone(ServiceSpecSchema, current.previousSpec);
    updated.previousSpec = current.spec;
    updated.previousSpecVersion = current.specVersion;
    updated.updateStatus = create(UpdateStatusSchema, {
      state: UpdateStatus_UpdateState.ROLLBACK_STARTED,
      message: "manually requested rollback",
      startedAt: timestampFromDate(now),
    });
    return updated;
  }
  const spec = clone(ServiceSpecSchema, req.spec!);
  if (current.spec === undefined || !equals(ServiceSpecSchema, spec, current.spec)) {
    updated.previousSpec = current.spec;
    updated.previousSpecVersion = current.specVersion;
  }
  updated.spec = spec;
  updated.updateStatus = undefined;
  if (isJobMode(spec)) {
    updated.jobStatus = create(JobStatusSchema, {
      jobIteration: (current.jobStatus?.jobIteration ?? 0n) + 1n,
      lastExecution: timestampFromDate(now),
    });
  }
  return updated;
}

/** The job status of a job created at `now`: iteration 0, started now. */
export function newJobStatus(now: Date): JobStatus {
  return create(JobStatusSchema, { jobIteration: 0n, lastExecution: timestampFromDate(now) });
}
