/**
 * Rules for the secret and config references of a task.
 *
 * @module
 */

import type {
  ConfigReference,
  FileTarget,
  SecretReference,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { quote } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/**
 * Checks each secret reference has an ID, a name and a file target (no `..`, a permission mode,
 * numeric uid and gid when given), and that no two secrets are written to the same file.
 *
 * @throws {ValidationError}
 */
export function validateSecretReferences(refs: readonly SecretReference[]): void {
  validateRefs("secret", refs.map((r) => ({ id: r.secretId, name: r.secretName, file: r.file })));
}

/** Like {@linkcode validateSecretReferences}, for configs. @throws {ValidationError} */
export function validateConfigReferences(refs: readonly ConfigReference[]): void {
  validateRefs("config", refs.map((r) => ({ id: r.configId, name: r.configName, file: r.file })));
}

interface Ref {
  id: string;
  name: string;
  file: FileTarget | undefined;
}

function validateRefs(kind: "secret" | "config", refs: readonly Ref[]): void {
  const targets = new Map<string, string>();
  for (const ref of refs) {
    if (ref.id === "" || ref.name === "") {
      throw new ValidationError(
        `invalid ${kind} reference ${
          quote(ref.name || ref.id)
        }: it needs both the ${kind} ID and its name`,
      );
    }
    const file = ref.file;
    if (file === undefined || file.name === "") {
      throw new ValidationError(
        `invalid ${kind} reference ${quote(ref.name)}: it needs a target file name`,
      );
    }
    if (file.name.split(/[\\/]/).includes("..")) {
      throw new ValidationError(
        `invalid ${kind} reference ${quote(ref.name)}: target ${
          quote(file.name)
        } must not contain '..'`,
      );
    }
    if (file.mode > 0o777) {
      throw new ValidationError(
        `invalid ${kind} reference ${quote(ref.name)}: file mode 0${
          file.mode.toString(8)
        } is not a permission mode; use e.g. 0444`,
      );
    }
    for (const [field, value] of [["uid", file.uid], ["gid", file.gid]] as const) {
      if (value !== "" && !/^\d{1,10}$/.test(value)) {
        throw new ValidationError(
          `invalid ${kind} reference ${quote(ref.name)}: ${field} ${
            quote(value)
          } must be a number, e.g. 0 or 1000`,
        );
      }
    }
    const previous = targets.get(file.name);
    if (previous !== undefined) {
      throw new ValidationError(
        `invalid ${kind} reference ${quote(ref.name)}: target ${
          quote(file.name)
        } is already used by ${kind} ${quote(previous)}; give each ${kind} its own target`,
      );
    }
    targets.set(file.name, ref.name);
  }
}
