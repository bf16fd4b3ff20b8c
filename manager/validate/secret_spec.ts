/**
 * Rules for secret and config specs.
 *
 * @module
 */

import type { ConfigSpec, SecretSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { validateConfigName, validateLabels, validateSecretName } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/** Secret data must be shorter than this: 500 KiB. */
export const MAX_SECRET_SIZE = 500 * 1024;
/** Config data must be shorter than this: 1000 KiB. */
export const MAX_CONFIG_SIZE = 1000 * 1024;

/** Checks a secret spec: name, labels, and 1 byte ≤ data < 500 KiB. @throws {ValidationError} */
export function validateSecretSpec(spec: SecretSpec | undefined): void {
  if (spec === undefined) {
    throw new ValidationError("missing secret spec: the request must carry a spec");
  }
  validateSecretName(spec.annotations?.name ?? "");
  validateLabels(spec.annotations?.labels ?? {}, "secret");
  validateSize("secret", spec.data.length, MAX_SECRET_SIZE);
}

/** Checks a config spec: name, labels, and 1 byte ≤ data < 1000 KiB. @throws {ValidationError} */
export function validateConfigSpec(spec: ConfigSpec | undefined): void {
  if (spec === undefined) {
    throw new ValidationError("missing config spec: the request must carry a spec");
  }
  validateConfigName(spec.annotations?.name ?? "");
  validateLabels(spec.annotations?.labels ?? {}, "config");
  validateSize("config", spec.data.length, MAX_CONFIG_SIZE);
}

function validateSize(kind: string, size: number, max: number): void {
  if (size < 1 || size >= max) {
    throw new ValidationError(
      `invalid ${kind} data of ${size} bytes: it must be at least 1 byte and less than ${
        max / 1024
      } KiB (${max} bytes)`,
    );
  }
}
