/**
 * `swarm unlock-key`: prints the managers' unlock key (autolock), or just the key (`-q`), and
 * replaces it with a new one first with `--rotate`. Every running manager re-encrypts its keys
 * with the new key; a manager that is stopped during a rotation still needs the previous key
 * for its next `swarm unlock`.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { GetUnlockKeyRequestSchema } from "../../proto/gen/swarm/v1/ca_pb.ts";
import { UpdateClusterRequestSchema } from "../../proto/gen/swarm/v1/control_pb.ts";
import { formatUnlockKey } from "../../pki/mod.ts";
import type { ParsedArgs } from "../args.ts";
import { expectPositionals } from "../args.ts";
import type { Command } from "../command.ts";
import type { Context } from "../context.ts";
import type { ControlApi } from "../control_api.ts";
import { resolveCluster } from "../resolve.ts";

/** How long to wait for the manager answering to have applied a change of the key. */
const KEY_WAIT_MS = 5_000;

/**
 * The managers' unlock key, as of cluster version `atLeast` or later: a manager that forwarded
 * the change to the leader may apply it a moment later, and must not print the old key.
 */
export async function currentUnlockKey(api: ControlApi, atLeast = 0n): Promise<Uint8Array> {
  const deadline = Date.now() + KEY_WAIT_MS;
  for (;;) {
    const res = await api.getUnlockKey(create(GetUnlockKeyRequestSchema));
    if ((res.version?.index ?? 0n) >= atLeast) return res.unlockKey;
    if (Date.now() > deadline) {
      throw new Error(
        "the manager has not applied the new unlock key yet: run `swarm unlock-key` again",
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `swarm unlock-key`. */
export const unlockKeyCommand: Command = {
  name: "unlock-key",
  summary: "Print or rotate the key that unlocks a restarted manager (autolock)",
  usage: "swarm unlock-key [OPTIONS]",
  options: `  -q, --quiet             Only print the key
      --rotate            Replace the key with a new one first (running managers re-encrypt
                          their keys; a manager stopped now still needs the previous key)
      --format FORMAT     table or json (default table)
`,
  flags: {
    quiet: { type: "boolean", short: "q" },
    rotate: { type: "boolean" },
  },
  async run(ctx: Context, args: ParsedArgs): Promise<number> {
    expectPositionals(args, 0, 0, "");
    const quiet = args.flags.bool("quiet");
    const api = ctx.api();
    let version = 0n;
    if (args.flags.bool("rotate")) {
      const cluster = await resolveCluster(api);
      const { cluster: rotated } = await api.updateCluster(
        create(UpdateClusterRequestSchema, {
          clusterId: cluster.id,
          ...(cluster.meta?.version ? { clusterVersion: cluster.meta.version } : {}),
          ...(cluster.spec ? { spec: cluster.spec } : {}),
          rotation: { managerUnlockKey: true },
        }),
      );
      version = rotated?.meta?.version?.index ?? 0n;
      if (!quiet && ctx.format !== "json") ctx.out("Successfully rotated the unlock key.\n\n");
    }
    const key = formatUnlockKey(await currentUnlockKey(api, version));
    if (quiet) ctx.out(`${key}\n`);
    else if (ctx.format === "json") ctx.json({ unlockKey: key });
    else {
      ctx.out(
        "To unlock a manager after it restarts, run `swarm unlock` on it and give it this key:\n\n" +
          `    ${key}\n\n` +
          "Keep it safe (e.g. in a password manager): a restarted manager cannot start without " +
          "it.\n",
      );
    }
    return 0;
  },
};
