import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  LogStream,
  SubscribeLogsMessageSchema,
  type SubscribeLogsRequest,
} from "../../../proto/gen/swarm/v1/logs_pb.ts";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

const T1 = "task1newxxxxxxxxxxxxxxxxx";
const NODE1 = "node1aaaaaaaaaaaaaaaaaaaa";

function withLogs() {
  const api = fixture();
  const msg = (data: string, stream = LogStream.STDOUT) => ({
    context: { serviceId: "svcwebxxxxxxxxxxxxxxxxxxx", nodeId: NODE1, taskId: T1 },
    timestamp: { seconds: 1714564800n, nanos: 0 },
    stream,
    data: new TextEncoder().encode(data),
  });
  api.logBatches = [
    create(SubscribeLogsMessageSchema, { messages: [msg("hello"), msg("oops", LogStream.STDERR)] }),
  ];
  return api;
}

Deno.test("service logs prints lines with the task and node, stderr to stderr", async () => {
  const r = await run(["service", "logs", "web"], { api: withLogs() });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `web.1.${T1}@manager1    | hello\n`);
  assert.equal(r.err, `web.1.${T1}@manager1    | oops\n`);
  const call = r.api.calls.find((c) => c.method === "subscribeLogs");
  const req = call?.request as SubscribeLogsRequest;
  assert.deepEqual(req.selector?.serviceIds, ["svcwebxxxxxxxxxxxxxxxxxxx"]);
  assert.equal(req.options?.tail, -1n);
  assert.equal(req.options?.follow, false);
});

Deno.test("service logs --raw -t --tail -f, and task logs", async () => {
  const r = await run(["service", "logs", "--raw", "-t", "--tail", "1", "-f", "web"], {
    api: withLogs(),
  });
  assert.equal(r.out, "2024-05-01T12:00:00.000Z hello\n");
  const req = r.api.calls.find((c) => c.method === "subscribeLogs")
    ?.request as SubscribeLogsRequest;
  assert.equal(req.options?.tail, 1n);
  assert.equal(req.options?.follow, true);
  const t = await run(["task", "logs", "task1new"], { api: withLogs() });
  assert.equal(t.code, 0, t.err);
  const treq = t.api.calls.find((c) => c.method === "subscribeLogs")
    ?.request as SubscribeLogsRequest;
  assert.deepEqual(treq.selector?.taskIds, [T1]);
  const byTask = await run(["service", "logs", T1], { api: withLogs() });
  assert.equal(byTask.out, `web.1.${T1}@manager1    | hello\n`);
});

Deno.test("service logs refuses a bad --tail and an unknown service", async () => {
  assertUsageError(
    await run(["service", "logs", "--tail", "x", "web"], { api: withLogs() }),
    /invalid --tail value "x"/,
  );
  const r = await run(["service", "logs", "nope"], { api: withLogs() });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: no such service: nope\n");
});
