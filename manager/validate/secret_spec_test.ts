import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ConfigSpecSchema, SecretSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  MAX_CONFIG_SIZE,
  MAX_SECRET_SIZE,
  validateConfigSpec,
  validateSecretSpec,
} from "./secret_spec.ts";

const bytes = (n: number) => new Uint8Array(n);

Deno.test("validateSecretSpec accepts sizes from 1 byte to just under 500 KiB", () => {
  validateSecretSpec(create(SecretSpecSchema, { annotations: { name: "db" }, data: bytes(1) }));
  validateSecretSpec(
    create(SecretSpecSchema, { annotations: { name: "db" }, data: bytes(MAX_SECRET_SIZE - 1) }),
  );
});

Deno.test("validateSecretSpec rejects empty and too large data", () => {
  for (const n of [0, MAX_SECRET_SIZE]) {
    assert.throws(
      () =>
        validateSecretSpec(
          create(SecretSpecSchema, { annotations: { name: "db" }, data: bytes(n) }),
        ),
      {
        name: "ValidationError",
        message:
          `invalid secret data of ${n} bytes: it must be at least 1 byte and less than 500 KiB (512000 bytes)`,
      },
    );
  }
});

Deno.test("validateSecretSpec checks the name and labels", () => {
  assert.throws(() => validateSecretSpec(undefined), /missing secret spec/);
  assert.throws(
    () => validateSecretSpec(create(SecretSpecSchema, { data: bytes(1) })),
    /missing secret name/,
  );
  assert.throws(
    () =>
      validateSecretSpec(
        create(SecretSpecSchema, { annotations: { name: "a/b" }, data: bytes(1) }),
      ),
    /invalid secret name "a\/b"/,
  );
  assert.throws(
    () =>
      validateSecretSpec(
        create(SecretSpecSchema, {
          annotations: { name: "a", labels: { "": "" } },
          data: bytes(1),
        }),
      ),
    /invalid secret label/,
  );
});

Deno.test("validateConfigSpec allows up to just under 1000 KiB", () => {
  validateConfigSpec(
    create(ConfigSpecSchema, {
      annotations: { name: "app.yaml" },
      data: bytes(MAX_CONFIG_SIZE - 1),
    }),
  );
  assert.throws(
    () =>
      validateConfigSpec(
        create(ConfigSpecSchema, {
          annotations: { name: "app.yaml" },
          data: bytes(MAX_CONFIG_SIZE),
        }),
      ),
    /invalid config data of 1024000 bytes: .*less than 1000 KiB/,
  );
  assert.throws(() => validateConfigSpec(undefined), /missing config spec/);
  assert.throws(
    () => validateConfigSpec(create(ConfigSpecSchema, { data: bytes(1) })),
    /missing config name/,
  );
});
