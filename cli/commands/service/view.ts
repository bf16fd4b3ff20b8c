/**
 * How services look in tables: mode, replica counts and command.
 *
 * @module
 */

import type { ListServiceStatusesResponse_ServiceStatus } from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { Service } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ServiceSpec } from "../../../proto/gen/swarm/v1/specs_pb.ts";

/** "replicated", "global", "replicated job" or "global job". */
export function modeText(spec: ServiceSpec | undefined): string {
  switch (spec?.mode.case) {
    case "replicated":
      return "replicated";
    case "global":
      return "global";
    case "replicatedJob":
      return "replicated job";
    case "globalJob":
      return "global job";
    default:
      return "";
  }
}

/**
 * "running/desired", with completions for jobs as Docker shows them: "1/2 (3/10 completed)" for
 * a replicated job (of its total completions), "1/2 (3/5 completed)" for a global job (of the
 * tasks still to complete plus those that have).
 */
export function replicasText(
  spec: ServiceSpec | undefined,
  status: ListServiceStatusesResponse_ServiceStatus | undefined,
): string {
  const running = status?.runningTasks ?? 0n;
  const desired = status?.desiredTasks ?? 0n;
  const completed = status?.completedTasks ?? 0n;
  const base = `${running}/${desired}`;
  switch (spec?.mode.case) {
    case "replicatedJob":
      return `${base} (${completed}/${spec.mode.value.totalCompletions} completed)`;
    case "globalJob":
      return `${base} (${completed}/${desired + completed} completed)`;
    default:
      return base;
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The command line of a process service, or the image (and arguments) of a container. */
export function commandText(spec: ServiceSpec | undefined, max = 50): string {
  const runtime = spec?.task?.runtime;
  let text = "";
  if (runtime?.case === "process") {
    text = [runtime.value.command, ...runtime.value.args].map(shellQuote).join(" ");
  } else if (runtime?.case === "container") {
    text = [runtime.value.image, ...runtime.value.args].map(shellQuote).join(" ");
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The row of `service ls`: ID, NAME, MODE, REPLICAS, COMMAND. */
export function serviceRow(
  svc: Service,
  status: ListServiceStatusesResponse_ServiceStatus | undefined,
): string[] {
  return [
    svc.id,
    svc.spec?.annotations?.name ?? "",
    modeText(svc.spec),
    replicasText(svc.spec, status),
    commandText(svc.spec),
  ];
}

/** The header of `service ls`. */
export const SERVICE_HEADER = ["ID", "NAME", "MODE", "REPLICAS", "COMMAND"] as const;
