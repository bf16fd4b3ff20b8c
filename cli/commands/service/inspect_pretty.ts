/**
 * `swarm service inspect --pretty`: a service for people, like `docker service inspect
 * --pretty` — its mode, a job's current run, the state of its last update or rollback, and its
 * update and rollback settings.
 *
 * @module
 */

import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Service } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import {
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateStatus_UpdateState,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { UpdateConfig } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { formatDuration } from "../../../manager/validate/mod.ts";
import { ago } from "../../human_time.ts";
import { commandText } from "./view.ts";

/** "updating", "paused", "rollback_started"… as Docker names the update states. */
export function updateStateText(state: UpdateStatus_UpdateState): string {
  return (UpdateStatus_UpdateState[state] ?? String(state)).toLowerCase();
}

const ACTIONS: Record<UpdateConfig_FailureAction, string> = {
  [UpdateConfig_FailureAction.PAUSE]: "pause",
  [UpdateConfig_FailureAction.CONTINUE]: "continue",
  [UpdateConfig_FailureAction.ROLLBACK]: "rollback",
};

const ORDERS: Record<UpdateConfig_UpdateOrder, string> = {
  [UpdateConfig_UpdateOrder.STOP_FIRST]: "stop-first",
  [UpdateConfig_UpdateOrder.START_FIRST]: "start-first",
};

function configLines(u: UpdateConfig, which: "Update" | "Rollback"): string[] {
  return [
    ` Parallelism:\t${u.parallelism === 0 ? "0 (all at once)" : u.parallelism}`,
    ...(u.delay && (u.delay.seconds !== 0n || u.delay.nanos !== 0)
      ? [` Delay:\t${formatDuration(u.delay)}`]
      : []),
    ` On failure:\t${ACTIONS[u.failureAction] ?? u.failureAction}`,
    ` Monitoring period:\t${u.monitor ? formatDuration(u.monitor) : "0s"}`,
    ` Max failure ratio:\t${u.maxFailureRatio}`,
    ` ${which} order:\t${ORDERS[u.order] ?? u.order}`,
  ];
}

/** The lines of `service inspect --pretty` (label, tab, value; aligned by the caller). */
export function prettyServiceLines(svc: Service, now: Date): string[] {
  const spec = svc.spec;
  const lines = [`ID:\t${svc.id}`, `Name:\t${spec?.annotations?.name ?? ""}`];
  const labels = Object.entries(spec?.annotations?.labels ?? {});
  if (labels.length > 0) {
    lines.push("Labels:", ...labels.map(([k, v]) => ` ${k}=${v}`));
  }
  switch (spec?.mode.case) {
    case "replicated":
      lines.push("Service Mode:\tReplicated", ` Replicas:\t${spec.mode.value.replicas}`);
      break;
    case "global":
      lines.push("Service Mode:\tGlobal");
      break;
    case "replicatedJob":
      lines.push(
        "Service Mode:\tReplicated job",
        ` Max concurrent:\t${spec.mode.value.maxConcurrent}`,
        ` Total completions:\t${spec.mode.value.totalCompletions}`,
      );
      break;
    case "globalJob":
      lines.push("Service Mode:\tGlobal job");
      break;
  }
  const job = svc.jobStatus;
  if (job !== undefined) {
    lines.push("JobStatus:", ` Iteration:\t${job.jobIteration}`);
    if (job.lastExecution) {
      lines.push(` Last execution:\t${ago(timestampDate(job.lastExecution), now)}`);
    }
  }
  const status = svc.updateStatus;
  if (status !== undefined) {
    lines.push("UpdateStatus:", ` State:\t${updateStateText(status.state)}`);
    if (status.startedAt) lines.push(` Started:\t${ago(timestampDate(status.startedAt), now)}`);
    if (status.completedAt) {
      lines.push(` Completed:\t${ago(timestampDate(status.completedAt), now)}`);
    }
    if (status.message !== "") lines.push(` Message:\t${status.message}`);
  }
  const constraints = spec?.task?.placement?.constraints ?? [];
  if (constraints.length > 0) {
    lines.push("Placement:", ` Constraints:\t${constraints.join(", ")}`);
  }
  if (spec?.update) lines.push("UpdateConfig:", ...configLines(spec.update, "Update"));
  if (spec?.rollback) lines.push("RollbackConfig:", ...configLines(spec.rollback, "Rollback"));
  lines.push(`Command:\t${commandText(spec, Infinity)}`);
  return lines;
}

/** Aligns "label:\tvalue" lines into two columns. */
export function alignColumns(lines: readonly string[]): string {
  const width = Math.max(...lines.map((l) => (l.includes("\t") ? l.indexOf("\t") : 0)));
  return lines.map((l) => {
    const tab = l.indexOf("\t");
    return tab < 0 ? l : `${l.slice(0, tab).padEnd(width + 1)} ${l.slice(tab + 1)}`;
  }).join("\n") + "\n";
}
