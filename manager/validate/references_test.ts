import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  ConfigReferenceSchema,
  FileTargetSchema,
  SecretReferenceSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateConfigReferences, validateSecretReferences } from "./references.ts";

const secret = (secretId: string, secretName: string, target?: string, mode = 0o444) =>
  create(SecretReferenceSchema, {
    secretId,
    secretName,
    ...(target === undefined ? {} : { file: create(FileTargetSchema, { name: target, mode }) }),
  });

Deno.test("validateSecretReferences accepts complete references", () => {
  validateSecretReferences([]);
  validateSecretReferences([secret("s1", "db", "db"), secret("s2", "tls", "certs/tls.pem")]);
});

Deno.test("validateSecretReferences needs ID, name and target", () => {
  assert.throws(() => validateSecretReferences([secret("", "db", "db")]), {
    name: "ValidationError",
    message: 'invalid secret reference "db": it needs both the secret ID and its name',
  });
  assert.throws(() => validateSecretReferences([secret("s1", "", "db")]), /needs both/);
  assert.throws(() => validateSecretReferences([secret("s1", "db")]), /needs a target file name/);
  assert.throws(() => validateSecretReferences([secret("s1", "db", "")]), /needs a target/);
});

Deno.test("validateSecretReferences rejects '..', bad modes, named owners and duplicate targets", () => {
  assert.throws(
    () => validateSecretReferences([secret("s1", "db", "../etc/passwd")]),
    /must not contain '\.\.'/,
  );
  assert.throws(
    () => validateSecretReferences([secret("s1", "db", "db", 0o1777)]),
    /file mode 01777 is not a permission mode/,
  );
  const named = secret("s1", "db", "db");
  named.file!.uid = "root";
  assert.throws(
    () => validateSecretReferences([named]),
    /invalid secret reference "db": uid "root" must be a number, e.g. 0 or 1000/,
  );
  named.file!.uid = "0";
  named.file!.gid = "-1";
  assert.throws(() => validateSecretReferences([named]), /gid "-1" must be a number/);
  assert.throws(
    () => validateSecretReferences([secret("s1", "a", "x"), secret("s2", "b", "x")]),
    /target "x" is already used by secret "a"/,
  );
});

Deno.test("validateConfigReferences applies the same rules to configs", () => {
  const ok = create(ConfigReferenceSchema, {
    configId: "c1",
    configName: "app",
    file: create(FileTargetSchema, { name: "app.yaml" }),
  });
  validateConfigReferences([ok]);
  assert.throws(
    () => validateConfigReferences([ok, ok]),
    /invalid config reference "app": target "app.yaml" is already used by config "app"/,
  );
});
