/** Maps an assigned task (protobuf) to what an executor runs. */
import type { Task } from "../proto/gen/swarm/v1/objects_pb.ts";
import { durationMs } from "../manager/duration.ts";
import type { TaskRuntime } from "./types.ts";

export function taskRuntime(task: Task): TaskRuntime {
  const rt = task.spec?.runtime;
  const base = {
    taskId: task.id,
    name: `${task.annotations?.name ?? task.serviceId}.${task.id}`,
    serviceId: task.serviceId,
    slot: task.slot,
  };
  if (rt?.case === "process") {
    const p = rt.value;
    return {
      ...base,
      command: p.command,
      args: p.args,
      env: p.env,
      ...(p.dir ? { dir: p.dir } : {}),
      ...(p.stopSignal ? { stopSignal: p.stopSignal as Deno.Signal } : {}),
      ...(p.stopGracePeriod ? { stopGracePeriodMs: durationMs(p.stopGracePeriod) } : {}),
    };
  }
  if (rt?.case === "container") {
    const c = rt.value;
    return {
      ...base,
      image: c.image,
      command: c.command[0] ?? "",
      args: [...c.command.slice(1), ...c.args],
      env: c.env,
      ...(c.dir ? { dir: c.dir } : {}),
      ...(c.hostname ? { hostname: c.hostname } : {}),
      ...(c.user ? { user: c.user } : {}),
      ...(Object.keys(c.labels).length > 0 ? { labels: { ...c.labels } } : {}),
      ...(c.stopSignal ? { stopSignal: c.stopSignal as Deno.Signal } : {}),
      ...(c.stopGracePeriod ? { stopGracePeriodMs: durationMs(c.stopGracePeriod) } : {}),
    };
  }
  return { ...base, command: "", args: [], env: [] };
}
