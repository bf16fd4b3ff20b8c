import assert from "node:assert/strict";
import * as validate from "./mod.ts";

Deno.test("mod.ts exports the validators the control API uses", () => {
  for (
    const name of [
      "validateServiceSpec",
      "validateNodeSpec",
      "validateClusterSpec",
      "validateSecretSpec",
      "validateConfigSpec",
      "validateServiceName",
      "validateSecretName",
      "validateConfigName",
      "insertServiceDefaults",
      "parseConstraints",
    ] as const
  ) {
    assert.equal(typeof validate[name], "function", name);
  }
  assert.equal(new validate.ValidationError("x").name, "ValidationError");
});
