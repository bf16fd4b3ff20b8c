import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema, SecretSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { missingReferences, type ReferenceLookup } from "./reference_check.ts";

const lookup: ReferenceLookup = {
  secret: (id) =>
    id === "s1" ? create(SecretSchema, { id, spec: { annotations: { name: "db" } } }) : undefined,
  config: (id) =>
    id === "c1" ? create(ConfigSchema, { id, spec: { annotations: { name: "app" } } }) : undefined,
};

function spec(secrets: [string, string][], configs: [string, string][] = []) {
  return create(ServiceSpecSchema, {
    task: {
      runtime: {
        case: "container",
        value: {
          image: "busybox",
          secrets: secrets.map(([secretId, secretName]) => ({ secretId, secretName })),
          configs: configs.map(([configId, configName]) => ({ configId, configName })),
        },
      },
    },
  });
}

Deno.test("missingReferences: nothing to say when every reference names an existing object", () => {
  assert.equal(missingReferences(spec([["s1", "db"]], [["c1", "app"]]), lookup), undefined);
  assert.equal(missingReferences(spec([]), lookup), undefined);
  assert.equal(missingReferences(undefined, lookup), undefined);
});

Deno.test("missingReferences: names each missing or renamed secret and config, and what to do", () => {
  assert.equal(
    missingReferences(spec([["s1", "db"], ["s2", "ghost"]]), lookup),
    "Secret not found: ghost: create it first (swarm secret create ghost FILE), or leave it out " +
      "of the service",
  );
  assert.equal(
    missingReferences(
      spec([["s1", "other-name"], ["", "x"]], [["c1", "app"], ["c2", "y"]]),
      lookup,
    ),
    "Secrets not found: other-name, x: create them first (swarm secret create NAME FILE), or " +
      "leave them out of the service; Config not found: y: create it first (swarm config create y " +
      "FILE), or leave it out of the service",
  );
});
