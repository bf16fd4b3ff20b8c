/**
 * `swarm secret` and `swarm config`: the same four commands over two object kinds.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import * as pb from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ConfigSchema, SecretSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { Config, Secret } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { validateConfigSpec, validateSecretSpec } from "../../../manager/validate/mod.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command, CommandGroup } from "../../command.ts";
import type { Context } from "../../context.ts";
import { isConnectionFailure } from "../../context.ts";
import type { ControlApi } from "../../control_api.ts";
import { rpcMessage } from "../../control_api.ts";
import { parseKeyValue } from "../../flag_values.ts";
import { ago } from "../../human_time.ts";
import { printIds, printMessage, printMessages, printTable } from "../../output.ts";
import { resolveConfig, resolveSecret } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";
import { asUsage } from "../service/apply_flags.ts";

/** What differs between secrets and configs. */
interface Kind<Desc extends DescMessage> {
  kind: "secret" | "config";
  schema: Desc;
  summary: string;
  validate(name: string, labels: Record<string, string>, data: Uint8Array): void;
  list(api: ControlApi): Promise<MessageShape<Desc>[]>;
  resolve(api: ControlApi, ref: string): Promise<MessageShape<Desc>>;
  get(api: ControlApi, id: string): Promise<MessageShape<Desc> | undefined>;
  create(
    api: ControlApi,
    name: string,
    labels: Record<string, string>,
    data: Uint8Array,
  ): Promise<MessageShape<Desc> | undefined>;
  remove(api: ControlApi, id: string): Promise<void>;
  info(item: MessageShape<Desc>): {
    id: string;
    name: string;
    created: Timestamp | undefined;
    updated: Timestamp | undefined;
  };
}

const secretKind: Kind<typeof SecretSchema> = {
  kind: "secret",
  schema: SecretSchema,
  summary: "Manage secrets (data is never shown again)",
  validate: (name, labels, data) =>
    validateSecretSpec(
      create(pb.CreateSecretRequestSchema, {
        spec: { annotations: { name, labels }, data },
      }).spec,
    ),
  list: async (api) => (await api.listSecrets(create(pb.ListSecretsRequestSchema))).secrets,
  resolve: resolveSecret,
  get: async (api, id) =>
    (await api.getSecret(create(pb.GetSecretRequestSchema, { secretId: id }))).secret,
  create: async (api, name, labels, data) =>
    (await api.createSecret(create(pb.CreateSecretRequestSchema, {
      spec: { annotations: { name, labels }, data },
    }))).secret,
  remove: async (api, id) => {
    await api.removeSecret(create(pb.RemoveSecretRequestSchema, { secretId: id }));
  },
  info: (s: Secret) => ({
    id: s.id,
    name: s.spec?.annotations?.name ?? "",
    created: s.meta?.createdAt,
    updated: s.meta?.updatedAt,
  }),
};

const configKind: Kind<typeof ConfigSchema> = {
  kind: "config",
  schema: ConfigSchema,
  summary: "Manage configs",
  validate: (name, labels, data) =>
    validateConfigSpec(
      create(pb.CreateConfigRequestSchema, {
        spec: { annotations: { name, labels }, data },
      }).spec,
    ),
  list: async (api) => (await api.listConfigs(create(pb.ListConfigsRequestSchema))).configs,
  resolve: resolveConfig,
  get: async (api, id) =>
    (await api.getConfig(create(pb.GetConfigRequestSchema, { configId: id }))).config,
  create: async (api, name, labels, data) =>
    (await api.createConfig(create(pb.CreateConfigRequestSchema, {
      spec: { annotations: { name, labels }, data },
    }))).config,
  remove: async (api, id) => {
    await api.removeConfig(create(pb.RemoveConfigRequestSchema, { configId: id }));
  },
  info: (c: Config) => ({
    id: c.id,
    name: c.spec?.annotations?.name ?? "",
    created: c.meta?.createdAt,
    updated: c.meta?.updatedAt,
  }),
};

async function readData(
  ctx: Context,
  file: string | undefined,
  command: string,
): Promise<Uint8Array> {
  if (file === undefined || file === "-") {
    if (ctx.io.stdinText === undefined) {
      throw new UsageError("no data: give a FILE, or pipe the data on standard input", command);
    }
    return new TextEncoder().encode(await ctx.io.stdinText());
  }
  try {
    return await (ctx.io.readFile ?? Deno.readFile)(file);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

function createCommand<Desc extends DescMessage>(k: Kind<Desc>): Command {
  const command = `swarm ${k.kind} create`;
  return {
    name: "create",
    summary: `Create a ${k.kind} from a file or standard input`,
    usage: `${command} [OPTIONS] NAME [FILE|-]`,
    options: `  -f, --file FILE         Read the data from FILE (default: standard input)
      --label KEY=VALUE   Set a label (repeatable)
      --format FORMAT     table (print the ID) or json
`,
    flags: {
      file: { type: "string", short: "f" },
      label: { type: "string", multiple: true },
    },
    async run(ctx: Context, args: ParsedArgs): Promise<number> {
      const [name, fileArg] = expectPositionals(args, 1, 2, "NAME");
      const flagFile = args.flags.string("file");
      if (flagFile !== undefined && fileArg !== undefined) {
        throw new UsageError(
          `give the file either as an argument or with --file, not both`,
          command,
        );
      }
      const labels: Record<string, string> = {};
      for (const v of args.flags.strings("label")) {
        const [key, value] = parseKeyValue(args.flags.src("label"), v);
        labels[key] = value;
      }
      // Check the name before reading anything.
      asUsage(command, () => k.validate(name!, labels, new Uint8Array(1)));
      const data = await readData(ctx, flagFile ?? fileArg, command);
      asUsage(command, () => k.validate(name!, labels, data));
      const item = await k.create(ctx.api(), name!, labels, data);
      if (item !== undefined && ctx.format === "json") printMessage(ctx, k.schema, item);
      else ctx.out(`${item === undefined ? "" : k.info(item).id}\n`);
      return 0;
    },
  };
}

function lsCommand<Desc extends DescMessage>(k: Kind<Desc>): Command {
  return {
    name: "ls",
    aliases: ["list"],
    summary: `List ${k.kind}s`,
    usage: `swarm ${k.kind} ls [OPTIONS]`,
    options: `  -q, --quiet             Only print IDs
      --format FORMAT     table or json (default table)
`,
    flags: { quiet: { type: "boolean", short: "q" } },
    async run(ctx: Context, args: ParsedArgs): Promise<number> {
      expectPositionals(args, 0, 0, "");
      const items = await k.list(ctx.api());
      items.sort((a, b) => k.info(a).name.localeCompare(k.info(b).name));
      if (args.flags.bool("quiet")) printIds(ctx, items.map((i) => k.info(i).id));
      else if (ctx.format === "json") printMessages(ctx, k.schema, items);
      else {
        const now = ctx.now();
        const when = (t: Timestamp | undefined) =>
          t === undefined ? "" : ago(timestampDate(t), now);
        printTable(
          ctx,
          ["ID", "NAME", "CREATED", "UPDATED"],
          items.map((i) => {
            const info = k.info(i);
            return [info.id, info.name, when(info.created), when(info.updated)];
          }),
        );
      }
      return 0;
    },
  };
}

function inspectCommand<Desc extends DescMessage>(k: Kind<Desc>): Command {
  return {
    name: "inspect",
    summary: `Show a ${k.kind} as JSON`,
    usage: `swarm ${k.kind} inspect ${k.kind.toUpperCase()}`,
    options: "",
    flags: {},
    async run(ctx: Context, args: ParsedArgs): Promise<number> {
      const [ref] = expectPositionals(args, 1, 1, `${k.kind.toUpperCase()} (a name or ID)`);
      const api = ctx.api();
      const found = await k.resolve(api, ref!);
      const item = await k.get(api, k.info(found).id);
      printMessage(ctx, k.schema, item ?? found);
      return 0;
    },
  };
}

function rmCommand<Desc extends DescMessage>(k: Kind<Desc>): Command {
  const upper = k.kind.toUpperCase();
  return {
    name: "rm",
    aliases: ["remove"],
    summary: `Remove ${k.kind}s`,
    usage: `swarm ${k.kind} rm ${upper} [${upper}...]`,
    options: "",
    flags: {},
    async run(ctx: Context, args: ParsedArgs): Promise<number> {
      const refs = expectPositionals(args, 1, Infinity, `${upper} (a name or ID)`);
      const api = ctx.api();
      let failed = false;
      for (const ref of refs) {
        try {
          const found = await k.resolve(api, ref);
          await k.remove(api, k.info(found).id);
          ctx.out(`${ref}\n`);
        } catch (err) {
          if (isConnectionFailure(err)) throw err;
          ctx.err(`Error: ${rpcMessage(err)}\n`);
          failed = true;
        }
      }
      return failed ? 1 : 0;
    },
  };
}

function group<Desc extends DescMessage>(k: Kind<Desc>): CommandGroup {
  return {
    name: k.kind,
    aliases: [`${k.kind}s`],
    summary: k.summary,
    commands: [createCommand(k), lsCommand(k), inspectCommand(k), rmCommand(k)],
  };
}

/** `swarm secret`. */
export const secretGroup: CommandGroup = group(secretKind);
/** `swarm config`. */
export const configGroup: CommandGroup = group(configKind);
