/**
 * The update settings in force for a service: its rollback config while it rolls back, its
 * update config otherwise, with SwarmKit's defaults for what is unset (parallelism 1, no delay,
 * pause on failure, monitor 5 s, no failure tolerated, stop-first).
 *
 * @module
 */
import type { Service } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateStatus_UpdateState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { durationMs } from "../duration.ts";

/** The monitor period when none is set. */
export const DEFAULT_MONITOR_MS = 5_000;

export interface UpdatePolicy {
  /** Slots replaced at once; 0 means all of them. */
  readonly parallelism: number;
  /** Wait after a replacement has started (or failed) before its worker takes the next slot. */
  readonly delayMs: number;
  /** How long after it starts running a new task's failure counts against the update. */
  readonly monitorMs: number;
  readonly failureAction: UpdateConfig_FailureAction;
  /** Failed slots / updated slots tolerated before the failure action fires. */
  readonly maxFailureRatio: number;
  readonly order: UpdateConfig_UpdateOrder;
}

const ROLLBACK_STATES: readonly UpdateStatus_UpdateState[] = [
  UpdateStatus_UpdateState.ROLLBACK_STARTED,
  UpdateStatus_UpdateState.ROLLBACK_PAUSED,
  UpdateStatus_UpdateState.ROLLBACK_COMPLETED,
];

/** Whether the service's update status is one of the rollback states. */
export function isRollingBack(service: Service): boolean {
  return ROLLBACK_STATES.includes(service.updateStatus?.state ?? UpdateStatus_UpdateState.UNKNOWN);
}

export function updatePolicy(service: Service): UpdatePolicy {
  const config = isRollingBack(service) ? service.spec?.rollback : service.spec?.update;
  if (config === undefined) {
    return {
      parallelism: 1,
      delayMs: 0,
      monitorMs: DEFAULT_MONITOR_MS,
      failureAction: UpdateConfig_FailureAction.PAUSE,
      maxFailureRatio: 0,
      order: UpdateConfig_UpdateOrder.STOP_FIRST,
    };
  }
  return {
    parallelism: config.parallelism,
    delayMs: config.delay ? durationMs(config.delay) : 0,
    monitorMs: config.monitor ? durationMs(config.monitor) : DEFAULT_MONITOR_MS,
    failureAction: config.failureAction,
    maxFailureRatio: config.maxFailureRatio,
    order: config.order,
  };
}
