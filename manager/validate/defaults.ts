/**
 * Service defaults (SwarmKit `api/defaults/service.go`), filled in for `insert_defaults`.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  RestartPolicy_Condition,
  RestartPolicySchema,
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateConfigSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { RestartPolicy, UpdateConfig } from "../../proto/gen/swarm/v1/types_pb.ts";
import { isJobMode } from "./service_spec.ts";

const seconds = (s: bigint) => create(DurationSchema, { seconds: s });

/**
 * Default restart policy: condition ANY (ON_FAILURE for a job, whose tasks run to completion),
 * delay 5 s, no attempt limit, no window.
 */
export function defaultRestartPolicy(job = false): RestartPolicy {
  return create(RestartPolicySchema, {
    condition: job ? RestartPolicy_Condition.ON_FAILURE : RestartPolicy_Condition.ANY,
    delay: seconds(5n),
  });
}

/** Default update (and rollback) config: parallelism 1, PAUSE, monitor 5 s, STOP_FIRST. */
export function defaultUpdateConfig(): UpdateConfig {
  return create(UpdateConfigSchema, {
    parallelism: 1,
    failureAction: UpdateConfig_FailureAction.PAUSE,
    monitor: seconds(5n),
    order: UpdateConfig_UpdateOrder.STOP_FIRST,
  });
}

/** Default stop grace period: 10 s. */
export const DEFAULT_STOP_GRACE_SECONDS = 10n;

/**
 * Returns a copy of `spec` with unset parts filled in, as SwarmKit's `InterpolateService` does:
 * a missing restart policy becomes the default one (restart on failure, for jobs) and a restart
 * policy without a delay gets 5 s; a missing stop grace period becomes 10 s; a missing update
 * or rollback config becomes the default one and one without a monitor gets 5 s. Jobs get no
 * update or rollback config, since they may not have one. The input is not changed.
 */
export function insertServiceDefaults(spec: ServiceSpec): ServiceSpec {
  const out = clone(ServiceSpecSchema, spec);
  const isJob = isJobMode(out);
  const task = out.task;
  if (task !== undefined) {
    const runtime = task.runtime;
    if (runtime.case !== undefined && runtime.value.stopGracePeriod === undefined) {
      runtime.value.stopGracePeriod = seconds(DEFAULT_STOP_GRACE_SECONDS);
    }
    if (task.restart === undefined) {
      task.restart = defaultRestartPolicy(isJob);
    } else if (task.restart.delay === undefined) {
      task.restart.delay = seconds(5n);
    }
  }
  if (!isJob) {
    out.update = withMonitor(out.update);
    out.rollback = withMonitor(out.rollback);
  }
  return out;
}

function withMonitor(u: UpdateConfig | undefined): UpdateConfig {
  if (u === undefined) return defaultUpdateConfig();
  if (u.monitor === undefined) u.monitor = seconds(5n);
  return u;
}
