/** How a new task of a service is made. */
import { clone, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Service, type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  AnnotationsSchema,
  TaskState,
  TaskStatusSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";

export interface NewTaskOptions {
  readonly id: string;
  readonly service: Service;
  readonly slot: number;
  readonly nodeId?: string;
  readonly desiredState: TaskState;
  readonly now: Date;
  /** The job iteration the task runs in (jobs only). */
  readonly jobIteration?: bigint;
}

export function newTask(o: NewTaskOptions): Task {
  const spec = o.service.spec;
  return create(TaskSchema, {
    id: o.id,
    serviceId: o.service.id,
    slot: o.slot,
    nodeId: o.nodeId ?? "",
    desiredState: o.desiredState,
    ...(o.jobIteration === undefined ? {} : { jobIteration: o.jobIteration }),
    ...(spec?.task ? { spec: clone(TaskSpecSchema, spec.task) } : {}),
    ...(o.service.specVersion ? { specVersion: { index: o.service.specVersion.index } } : {}),
    annotations: { name: taskName(spec?.annotations?.name ?? o.service.id, o.slot, o.nodeId) },
    ...(spec?.annotations
      ? { serviceAnnotations: clone(AnnotationsSchema, spec.annotations) }
      : {}),
    status: {
      state: TaskState.NEW,
      message: "created",
      timestamp: timestampFromDate(o.now),
    },
  });
}

/** `<service>.<slot>` for replicated tasks, `<service>.<node>` for global ones. */
export function taskName(serviceName: string, slot: number, nodeId?: string): string {
  return slot > 0 ? `${serviceName}.${slot}` : `${serviceName}.${nodeId ?? ""}`;
}

/** A clone of `task` with a new observed status. */
export function withStatus(
  task: Task,
  state: TaskState,
  message: string,
  now: Date,
  err = "",
): Task {
  const t = clone(TaskSchema, task);
  t.status = create(TaskStatusSchema, {
    state,
    message,
    err,
    timestamp: timestampFromDate(now),
    ...(task.status?.container ? { container: task.status.container } : {}),
  });
  return t;
}

export function withDesired(task: Task, desiredState: TaskState): Task {
  const t = clone(TaskSchema, task);
  t.desiredState = desiredState;
  return t;
}
