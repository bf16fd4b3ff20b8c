/**
 * How the real client dials the control API: over the local control socket (no TLS, the socket's
 * file mode is the access control), or over a manager's remote API with mutual TLS, presenting a
 * manager's certificate and verifying the manager's against the cluster's root CA (the managers
 * authorize the Control service for manager certificates only).
 *
 * @module
 */

import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { CA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { NodeLock } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { Logs } from "../proto/gen/swarm/v1/logs_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { clientChannelOptions, clientCredentials } from "../pki/mod.ts";
import type { RemoteTarget } from "./client_io.ts";
import type { ControlApi } from "./control_api.ts";

/** Opens control API connections for one client run, and closes them all at the end. */
export class ControlDialer {
  readonly #channels: ManagedChannel[] = [];

  /** The control API on a unix socket. */
  connect(socketPath: string): ControlApi {
    return this.#open(new ManagedChannel({ address: `unix:${socketPath}`, retry: false }));
  }

  /** The control API on a manager's remote API (`HOST:PORT`) over mutual TLS. */
  connectRemote(target: RemoteTarget): ControlApi {
    const { host, rootPem, certPem, keyPem } = target;
    return this.#open(
      new ManagedChannel({
        address: host,
        credentials: clientCredentials({ rootPem, certPem, keyPem }),
        channelOptions: clientChannelOptions(),
        retry: false,
      }),
    );
  }

  /** Closes every connection opened so far. */
  close(): void {
    for (const channel of this.#channels.splice(0)) channel.close();
  }

  #open(channel: ManagedChannel): ControlApi {
    this.#channels.push(channel);
    // A plain copy: the CLI wraps its API object, and the generated client is frozen.
    return {
      ...channel.client(Control),
      getUnlockKey: channel.client(CA).getUnlockKey,
      unlock: channel.client(NodeLock).unlock,
      subscribeLogs: (req, options) =>
        Promise.resolve(channel.client(Logs).subscribeLogs(req, { ...options })),
    };
  }
}
