/**
 * `swarm cluster update`: change the cluster-wide settings — how long node certificates are
 * valid (`--cert-expiry`), and whether managers keep their keys encrypted at rest
 * (`--autolock=true|false`). Turning autolock on prints the new unlock key once.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { UpdateClusterRequestSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import {
  CAConfigSchema,
  ClusterSpecSchema,
  EncryptionConfigSchema,
} from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { ParsedArgs } from "../../args.ts";
import { expectPositionals } from "../../args.ts";
import type { Command } from "../../command.ts";
import type { Context } from "../../context.ts";
import { type FlagSource, parseChoice, parseDurationNanos } from "../../flag_values.ts";
import { resolveCluster } from "../../resolve.ts";
import { UsageError } from "../../usage_error.ts";
import { autolockNotice } from "../../autolock_notice.ts";
import { currentUnlockKey } from "../unlock_key.ts";

/** Shortest node certificate validity the managers accept: 1 hour, in nanoseconds. */
const MIN_CERT_EXPIRY_NANOS = 3_600_000_000_000n;
const NANOS_PER_DAY = 86_400_000_000_000n;

/**
 * A certificate validity: a duration such as `2160h` or `1h30m`, or whole days such as `90d`;
 * at least one hour.
 *
 * @throws {UsageError}
 */
export function parseCertExpiry(src: FlagSource, value: string): Duration {
  const days = /^(\d+)d$/.exec(value);
  const nanos = days === null ? parseDurationNanos(src, value) : BigInt(days[1]!) * NANOS_PER_DAY;
  if (nanos < MIN_CERT_EXPIRY_NANOS) {
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for --${src.flag}: node certificates must be ` +
        "valid at least 1h (e.g. 2160h or 90d)",
      src.command,
    );
  }
  return create(DurationSchema, {
    seconds: nanos / 1_000_000_000n,
    nanos: Number(nanos % 1_000_000_000n),
  });
}

/** `swarm cluster update`. */
export const clusterUpdate: Command = {
  name: "update",
  summary: "Change the cluster's certificate expiry or autolock setting",
  usage: "swarm cluster update [OPTIONS] [CLUSTER]",
  options:
    `      --cert-expiry DURATION   How long new node certificates are valid, e.g. 2160h or 90d
                               (at least 1h; nodes renew at 50-80 % of it)
      --autolock true|false    Encrypt the managers' keys at rest; turning it on prints the
                               unlock key a restarted manager needs ('swarm unlock')
`,
  flags: {
    "cert-expiry": { type: "string" },
    autolock: { type: "string" },
  },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    const [ref] = expectPositionals(args, 0, 1, "CLUSTER");
    const { flags } = args;
    const expiry = flags.string("cert-expiry");
    const autolockText = flags.string("autolock");
    if (expiry === undefined && autolockText === undefined) {
      throw new UsageError(
        "nothing to update: give --cert-expiry DURATION or --autolock=true|false",
        flags.command,
      );
    }
    const certExpiry = expiry === undefined
      ? undefined
      : parseCertExpiry(flags.src("cert-expiry"), expiry);
    const autolock = autolockText === undefined
      ? undefined
      : parseChoice(flags.src("autolock"), autolockText, { true: true, false: false } as const);

    const api = ctx.api();
    const cluster = await resolveCluster(api, ref);
    const spec = cluster.spec ? clone(ClusterSpecSchema, cluster.spec) : create(ClusterSpecSchema);
    if (certExpiry !== undefined) {
      spec.caConfig ??= create(CAConfigSchema);
      spec.caConfig.nodeCertExpiry = certExpiry;
    }
    const wasLocked = spec.encryptionConfig?.autoLockManagers ?? false;
    if (autolock !== undefined) {
      spec.encryptionConfig ??= create(EncryptionConfigSchema);
      spec.encryptionConfig.autoLockManagers = autolock;
    }
    const { cluster: updated } = await api.updateCluster(
      create(UpdateClusterRequestSchema, {
        clusterId: cluster.id,
        ...(cluster.meta?.version ? { clusterVersion: cluster.meta.version } : {}),
        spec,
      }),
    );
    ctx.out("Swarm updated.\n");
    if (autolock === true && !wasLocked) {
      const unlockKey = await currentUnlockKey(api, updated?.meta?.version?.index ?? 0n);
      ctx.out(`${autolockNotice(unlockKey).join("\n")}\n`);
    }
    return 0;
  },
};
