import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { SecretSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { Context } from "./context.ts";
import { FakeControlApi } from "./fake_control_api.ts";
import { printIds, printMessage, printMessages, printTable } from "./output.ts";

function ctx(): { ctx: Context; out: string[] } {
  const out: string[] = [];
  const api = new FakeControlApi();
  const c = new Context(
    {
      stdout: (s) => out.push(s),
      stderr: () => {},
      env: () => undefined,
      connect: () => api,
    },
    { socket: "/tmp/s.sock" },
    "table",
  );
  return { ctx: c, out };
}

Deno.test("printMessage and printMessages write proto3 JSON", () => {
  const { ctx: c, out } = ctx();
  const s = create(SecretSchema, { id: "a", spec: { annotations: { name: "db" } } });
  printMessage(c, SecretSchema, s);
  printMessages(c, SecretSchema, [s]);
  printMessages(c, SecretSchema, []);
  assert.deepEqual(JSON.parse(out[0]!), { id: "a", spec: { annotations: { name: "db" } } });
  assert.ok(out[0]!.includes('\n  "id": "a"'));
  assert.deepEqual(JSON.parse(out[1]!), [{ id: "a", spec: { annotations: { name: "db" } } }]);
  assert.equal(out[2], "[]\n");
});

Deno.test("printTable and printIds write lines", () => {
  const { ctx: c, out } = ctx();
  printTable(c, ["ID"], [["a"]]);
  printIds(c, ["a", "b"]);
  printIds(c, []);
  assert.deepEqual(out, ["ID\na\n", "a\nb\n", ""]);
});
