/**
 * `--secret` and `--config` values: `NAME` or `source=NAME,target=FILE,mode=0400,uid=0,gid=0`,
 * turned into references once the names are resolved.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ConfigReferenceSchema,
  FileTargetSchema,
  SecretReferenceSchema,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { ConfigReference, SecretReference } from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { ControlApi } from "../../control_api.ts";
import type { FlagSource } from "../../flag_values.ts";
import { resolveConfig, resolveSecret } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";

/** A parsed `--secret`/`--config` value. */
export interface FileRefRequest {
  source: string;
  target: string;
  mode: number;
  uid: string;
  gid: string;
}

/**
 * Parses `NAME` or `source=NAME[,target=FILE][,mode=0444][,uid=0][,gid=0]`.
 *
 * @throws {UsageError}
 */
export function parseFileRef(src: FlagSource, value: string): FileRefRequest {
  const bad = (rule: string) =>
    new UsageError(
      `invalid value ${JSON.stringify(value)} for --${src.flag}: ${rule}`,
      src.command,
    );
  if (!value.includes("=")) {
    if (value === "" || value.includes(",")) throw bad("give a name, or source=NAME,target=FILE");
    return { source: value, target: value, mode: 0o444, uid: "0", gid: "0" };
  }
  const fields = new Map<string, string>();
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !["source", "src", "target", "mode", "uid", "gid"].includes(key)) {
      throw bad(`unknown field ${JSON.stringify(part)}; use source, target, mode, uid and gid`);
    }
    fields.set(key === "src" ? "source" : key, part.slice(eq + 1));
  }
  const source = fields.get("source") ?? "";
  if (source === "") throw bad("source=NAME is required");
  const modeText = fields.get("mode") ?? "0444";
  if (!/^0?[0-7]{1,3}$/.test(modeText)) throw bad("mode must be octal, e.g. 0400");
  if (parseInt(modeText, 8) === 0) throw bad("mode 0 leaves the file unreadable; give e.g. 0400");
  for (const field of ["uid", "gid"]) {
    const v = fields.get(field);
    if (v !== undefined && !/^\d+$/.test(v)) throw bad(`${field} must be a number, e.g. 1000`);
  }
  return {
    source,
    target: fields.get("target") || source,
    mode: parseInt(modeText, 8),
    uid: fields.get("uid") || "0",
    gid: fields.get("gid") || "0",
  };
}

/** Resolves secret names and builds references. @throws {ResolveError} */
export async function secretReferences(
  api: ControlApi,
  requests: readonly FileRefRequest[],
): Promise<SecretReference[]> {
  const refs: SecretReference[] = [];
  for (const r of requests) {
    const secret = await resolveSecret(api, r.source);
    refs.push(create(SecretReferenceSchema, {
      secretId: secret.id,
      secretName: secret.spec?.annotations?.name ?? r.source,
      file: create(FileTargetSchema, { name: r.target, uid: r.uid, gid: r.gid, mode: r.mode }),
    }));
  }
  return refs;
}

/** Resolves config names and builds references. @throws {ResolveError} */
export async function configReferences(
  api: ControlApi,
  requests: readonly FileRefRequest[],
): Promise<ConfigReference[]> {
  const refs: ConfigReference[] = [];
  for (const r of requests) {
    const config = await resolveConfig(api, r.source);
    refs.push(create(ConfigReferenceSchema, {
      configId: config.id,
      configName: config.spec?.annotations?.name ?? r.source,
      file: create(FileTargetSchema, { name: r.target, uid: r.uid, gid: r.gid, mode: r.mode }),
    }));
  }
  return refs;
}
