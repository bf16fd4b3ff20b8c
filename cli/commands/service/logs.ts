/**
 * `swarm service logs` (and `swarm task logs`): the output of a service's tasks, or of one task,
 * read through the managers from whichever nodes ran them. Each line is printed as
 * `NAME.SLOT.TASKID@NODE    | line` (or as it is with `--raw`); stdout lines go to standard
 * output, stderr lines to standard error.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ListNodesRequestSchema,
  ListTasksRequestSchema,
} from "../../../proto/gen/swarm/v1/control_pb.ts";
import {
  type LogMessage,
  LogStream,
  SubscribeLogsRequestSchema,
} from "../../../proto/gen/swarm/v1/logs_pb.ts";
import type { Service, Task } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { resolveServices, resolveTask } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";
import { taskName } from "../task/view.ts";

const OPTIONS = `  -f, --follow            Follow the output
      --tail N            Only the last N lines of each stream of each task (default all)
  -t, --timestamps        Show timestamps
      --raw               Print the lines only, without task and node
`;

const FLAGS = {
  follow: { type: "boolean", short: "f" },
  tail: { type: "string" },
  timestamps: { type: "boolean", short: "t" },
  raw: { type: "boolean" },
} as const;

/** `swarm service logs`. */
export const serviceLogs: Command = {
  name: "logs",
  summary: "Show the logs of a service or task",
  usage: "swarm service logs [OPTIONS] SERVICE|TASK",
  options: OPTIONS,
  flags: FLAGS,
  run: (ctx, args) => runLogs(ctx, args, "service logs", true),
};

/** `swarm task logs`. */
export const taskLogs: Command = {
  name: "logs",
  summary: "Show the logs of a task",
  usage: "swarm task logs [OPTIONS] TASK",
  options: OPTIONS,
  flags: FLAGS,
  run: (ctx, args) => runLogs(ctx, args, "task logs", false),
};

async function runLogs(
  ctx: Context,
  args: ParsedArgs,
  command: string,
  services: boolean,
): Promise<number> {
  const [ref] = expectPositionals(args, 1, 1, services ? "SERVICE|TASK" : "TASK");
  const tail = parseTail(args.flags.string("tail"), command);
  const api = ctx.api();
  let service: Service | undefined;
  let task: Task | undefined;
  if (services) {
    try {
      [service] = await resolveServices(api, [ref!]);
    } catch (serviceError) {
      task = await resolveTask(api, ref!).catch(() => {
        throw serviceError;
      });
    }
  } else {
    task = await resolveTask(api, ref!);
  }
  const serviceId = service?.id ?? task?.serviceId ?? "";
  const { tasks } = await api.listTasks(create(ListTasksRequestSchema, {
    filters: { serviceIds: [serviceId] },
  }));
  const { nodes } = await api.listNodes(create(ListNodesRequestSchema));
  const serviceName = service?.spec?.annotations?.name ??
    (await resolveServices(api, [serviceId]).catch(() => []))[0]?.spec?.annotations?.name;
  const tasksById = new Map(tasks.map((t) => [t.id, t]));
  const hosts = new Map(nodes.map((n) => [n.id, n.description?.hostname || n.id]));
  const prefix = (m: LogMessage): string => {
    const id = m.context?.taskId ?? "";
    const t = tasksById.get(id);
    const name = t ? taskName(t, serviceName) : serviceName ?? "";
    const node = m.context?.nodeId ?? "";
    return `${name}.${id}@${hosts.get(node) ?? node}    | `;
  };
  // Ctrl-C (or SIGTERM) ends the stream; the command then ends normally.
  const stop = new AbortController();
  void ctx.io.shutdown?.then(() => stop.abort());
  const stream = await api.subscribeLogs(
    create(SubscribeLogsRequestSchema, {
      selector: service ? { serviceIds: [service.id] } : { taskIds: [task!.id] },
      options: { follow: args.flags.bool("follow"), tail: BigInt(tail) },
    }),
    { signal: stop.signal },
  );
  const raw = args.flags.bool("raw");
  const timestamps = args.flags.bool("timestamps");
  const decoder = new TextDecoder();
  try {
    for await (const batch of stream) {
      for (const m of batch.messages) {
        let line = `${decoder.decode(m.data)}\n`;
        if (timestamps && m.timestamp) {
          line = `${new Date(timestampMs(m.timestamp)).toISOString()} ${line}`;
        }
        if (!raw) line = prefix(m) + line;
        if (m.stream === LogStream.STDERR) ctx.err(line);
        else ctx.out(line);
      }
    }
  } catch (e) {
    if (!stop.signal.aborted) throw e;
  }
  return 0;
}

/** `--tail`: a count, or "all" (-1). @throws {UsageError} */
function parseTail(value: string | undefined, command: string): number {
  if (value === undefined || value === "all") return -1;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `invalid --tail value ${
        JSON.stringify(value)
      } for "swarm ${command}": use a number of lines or "all"`,
    );
  }
  return Number(value);
}
