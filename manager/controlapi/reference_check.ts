/**
 * CreateService and UpdateService refuse a spec that references a secret or config the cluster
 * does not have (SwarmKit's `checkSecretExistence` / `checkConfigExistence`): a reference must
 * name an existing object by its ID, and the name it records must still be that object's name.
 * Otherwise the service would be stored and its tasks rejected on every node, each one without
 * its file. Shared by the control server and the client's fake control API.
 *
 * @module
 */
import type { Config, Secret } from "../../proto/gen/swarm/v1/objects_pb.ts";
import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";

/** Finds secrets and configs by ID. */
export interface ReferenceLookup {
  secret(id: string): Secret | undefined;
  config(id: string): Config | undefined;
}

/**
 * Why `spec`'s secret and config references cannot be used (an InvalidArgument message naming
 * each missing one and what to do), or undefined when they all exist.
 */
export function missingReferences(
  spec: ServiceSpec | undefined,
  lookup: ReferenceLookup,
): string | undefined {
  const rt = spec?.task?.runtime;
  if (rt?.case === undefined) return undefined;
  const secrets = rt.value.secrets
    .filter((r) => lookup.secret(r.secretId)?.spec?.annotations?.name !== r.secretName)
    .map((r) => r.secretName || r.secretId);
  const configs = rt.value.configs
    .filter((r) => lookup.config(r.configId)?.spec?.annotations?.name !== r.configName)
    .map((r) => r.configName || r.configId);
  const parts = [
    ...(secrets.length > 0 ? [describe("secret", secrets)] : []),
    ...(configs.length > 0 ? [describe("config", configs)] : []),
  ];
  return parts.length === 0 ? undefined : parts.join("; ");
}

function describe(kind: "secret" | "config", names: readonly string[]): string {
  const plural = names.length > 1;
  return `${kind === "secret" ? "Secret" : "Config"}${plural ? "s" : ""} not found: ${
    names.join(", ")
  }: create ${plural ? "them" : "it"} first (swarm ${kind} create ${
    plural ? "NAME" : names[0]
  } FILE), or leave ${plural ? "them" : "it"} out of the service`;
}
