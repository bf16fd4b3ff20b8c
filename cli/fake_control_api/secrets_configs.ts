/**
 * The fake control API's secret and config handlers.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import * as pb from "../../proto/gen/swarm/v1/control_pb.ts";
import { ConfigSchema, type Service } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { validateConfigSpec, validateSecretSpec } from "../../manager/validate/mod.ts";
import { GrpcCode, RpcError } from "../control_api.ts";
import { type FakeObjects, matches, redactSecret, validate } from "./objects.ts";

export function getSecret(o: FakeObjects, req: pb.GetSecretRequest): pb.GetSecretResponse {
  return create(pb.GetSecretResponseSchema, {
    secret: redactSecret(o.get(o.secrets, "secret", req.secretId)),
  });
}

export function listSecrets(o: FakeObjects, req: pb.ListSecretsRequest): pb.ListSecretsResponse {
  return create(pb.ListSecretsResponseSchema, {
    secrets: [...o.secrets.values()]
      .filter((s) => matches(s.id, s.spec?.annotations?.name ?? "", req.filters))
      .map(redactSecret),
  });
}

export function createSecret(
  o: FakeObjects,
  req: pb.CreateSecretRequest,
): pb.CreateSecretResponse {
  validate(() => validateSecretSpec(req.spec));
  const spec = clone(pb.CreateSecretRequestSchema, req).spec!;
  o.checkNameFree(
    o.secrets,
    "secret",
    spec.annotations?.name ?? "",
    (s) => s.spec?.annotations?.name,
  );
  const secret = o.addSecret({ spec });
  return create(pb.CreateSecretResponseSchema, { secret: redactSecret(secret) });
}

export function removeSecret(
  o: FakeObjects,
  req: pb.RemoveSecretRequest,
): pb.RemoveSecretResponse {
  const secret = o.get(o.secrets, "secret", req.secretId);
  refuseInUse(o, "secret", secret.spec?.annotations?.name, (s) => {
    const rt = s.spec?.task?.runtime;
    return rt?.case !== undefined && rt.value.secrets.some((r) => r.secretId === secret.id);
  });
  o.secrets.delete(secret.id);
  return create(pb.RemoveSecretResponseSchema);
}

export function getConfig(o: FakeObjects, req: pb.GetConfigRequest): pb.GetConfigResponse {
  return create(pb.GetConfigResponseSchema, {
    config: clone(ConfigSchema, o.get(o.configs, "config", req.configId)),
  });
}

export function listConfigs(o: FakeObjects, req: pb.ListConfigsRequest): pb.ListConfigsResponse {
  return create(pb.ListConfigsResponseSchema, {
    configs: [...o.configs.values()]
      .filter((c) => matches(c.id, c.spec?.annotations?.name ?? "", req.filters))
      .map((c) => clone(ConfigSchema, c)),
  });
}

export function createConfig(
  o: FakeObjects,
  req: pb.CreateConfigRequest,
): pb.CreateConfigResponse {
  validate(() => validateConfigSpec(req.spec));
  const spec = clone(pb.CreateConfigRequestSchema, req).spec!;
  o.checkNameFree(
    o.configs,
    "config",
    spec.annotations?.name ?? "",
    (c) => c.spec?.annotations?.name,
  );
  const config = o.addConfig({ spec });
  return create(pb.CreateConfigResponseSchema, { config: clone(ConfigSchema, config) });
}

export function removeConfig(
  o: FakeObjects,
  req: pb.RemoveConfigRequest,
): pb.RemoveConfigResponse {
  const config = o.get(o.configs, "config", req.configId);
  refuseInUse(o, "config", config.spec?.annotations?.name, (s) => {
    const rt = s.spec?.task?.runtime;
    return rt?.case !== undefined && rt.value.configs.some((r) => r.configId === config.id);
  });
  o.configs.delete(config.id);
  return create(pb.RemoveConfigResponseSchema);
}

function refuseInUse(
  o: FakeObjects,
  kind: string,
  name: string | undefined,
  uses: (s: Service) => boolean,
): void {
  const users = [...o.services.values()].filter(uses);
  if (users.length > 0) {
    throw new RpcError(
      GrpcCode.FAILED_PRECONDITION,
      `${kind} '${name}' is in use by the following service${users.length > 1 ? "s" : ""}: ${
        users.map((s) => s.spec?.annotations?.name).join(", ")
      }`,
    );
  }
}
