import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { BytesValueSchema } from "@bufbuild/protobuf/wkt";
import {
  deserializer,
  isRequestStream,
  isResponseStream,
  methodPath,
  serializer,
  serviceDefinition,
} from "./grpc.ts";
import { Health, HealthCheckRequestSchema } from "./gen/swarm/v1/health_pb.ts";
import { Echo } from "./grpc_testing.ts";

Deno.test("serviceDefinition: keys, paths and stream flags for all four kinds", () => {
  const def = serviceDefinition(Echo);
  assert.deepEqual(Object.keys(def).sort(), ["add", "chat", "count", "say", "sum"]);
  const flags = Object.fromEntries(
    Object.entries(def).map(([k, m]) => [k, [m.path, m.requestStream, m.responseStream]]),
  );
  assert.deepEqual(flags, {
    say: ["/swarm.testing.v1.Echo/Say", false, false],
    add: ["/swarm.testing.v1.Echo/Add", false, false],
    count: ["/swarm.testing.v1.Echo/Count", false, true],
    sum: ["/swarm.testing.v1.Echo/Sum", true, false],
    chat: ["/swarm.testing.v1.Echo/Chat", true, true],
  });
  assert.equal(def.say?.originalName, "Say");
  const h = serviceDefinition(Health);
  assert.equal(h.check?.path, "/swarm.v1.Health/Check");
  assert.equal(methodPath(Health.method.check), "/swarm.v1.Health/Check");
  assert.ok(isResponseStream(Echo.method.chat) && isRequestStream(Echo.method.chat));
  assert.ok(!isResponseStream(Echo.method.sum) && isRequestStream(Echo.method.sum));
});

Deno.test("serializer/deserializer round trip Buffer <-> message", () => {
  const ser = serializer(HealthCheckRequestSchema);
  const de = deserializer(HealthCheckRequestSchema);
  const buf = ser(create(HealthCheckRequestSchema, { service: "swarm.v1.Dispatcher" }));
  assert.ok(Buffer.isBuffer(buf));
  const back = de(buf);
  assert.equal(back.$typeName, "swarm.v1.HealthCheckRequest");
  assert.equal(back.service, "swarm.v1.Dispatcher");

  // bytes fields come back as plain Uint8Array even from a Buffer slice of a larger buffer.
  const bytes = serializer(BytesValueSchema)(
    create(BytesValueSchema, { value: new Uint8Array([9, 8]) }),
  );
  const padded = Buffer.concat([Buffer.from([0xff, 0xff]), bytes]).subarray(2);
  const msg = deserializer(BytesValueSchema)(padded);
  assert.deepEqual(msg.value, new Uint8Array([9, 8]));
  assert.equal(Object.getPrototypeOf(msg.value), Uint8Array.prototype);
});
