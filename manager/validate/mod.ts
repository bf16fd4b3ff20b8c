/**
 * Spec validation for the control API. Pure functions: each takes a spec and either returns or
 * throws a {@linkcode ValidationError} whose message says what is wrong and what is allowed.
 * The server maps that error to gRPC INVALID_ARGUMENT; the CLI runs the same checks before it
 * sends anything.
 *
 * ```ts
 * import { validateServiceSpec, ValidationError } from "./mod.ts";
 * try {
 *   validateServiceSpec(request.spec);
 * } catch (err) {
 *   if (err instanceof ValidationError) throw invalidArgument(err.message);
 *   throw err;
 * }
 * ```
 *
 * @module
 */

export { ValidationError } from "./validation_error.ts";
export {
  MAX_SECRET_NAME_LENGTH,
  MAX_SERVICE_NAME_LENGTH,
  validateConfigName,
  validateLabels,
  validateSecretName,
  validateServiceName,
} from "./names.ts";
export { isJobMode, validateServiceSpec } from "./service_spec.ts";
export { MISSING_COMMAND_MESSAGE, validateTaskSpec } from "./task_spec.ts";
export { validateNodeSpec } from "./node_spec.ts";
export { CLUSTER_NAME, MIN_NODE_CERT_EXPIRY_NANOS, validateClusterSpec } from "./cluster_spec.ts";
export {
  MAX_CONFIG_SIZE,
  MAX_SECRET_SIZE,
  validateConfigSpec,
  validateSecretSpec,
} from "./secret_spec.ts";
export { type Constraint, parseConstraint, parseConstraints } from "./constraints.ts";
export { MIN_MEMORY_BYTES, MIN_NANO_CPUS, validateResourceRequirements } from "./resources.ts";
export { validateRestartPolicy } from "./restart_policy.ts";
export { validateUpdateConfig } from "./update_config.ts";
export { validatePlacement } from "./placement.ts";
export { validateEnv, validateEnvEntry } from "./env.ts";
export { normalizeSignal, STOP_SIGNALS, validateStopSignal } from "./signal.ts";
export { validateConfigReferences, validateSecretReferences } from "./references.ts";
export { durationNanos, formatDuration, formatNanos, validateDuration } from "./duration.ts";
export { formatBytes, formatCpus } from "./units.ts";
export {
  DEFAULT_STOP_GRACE_SECONDS,
  defaultRestartPolicy,
  defaultUpdateConfig,
  insertServiceDefaults,
} from "./defaults.ts";
