/**
 * Test helper: a manager's remote Control API over mutual TLS, as `manager/manager.ts` serves it
 * (the real `controlServer` over a test store, every call authorized for manager certificates
 * of this cluster only), with certificate files for a manager and a worker client on disk.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { ClusterSchema, NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { addService, type CallContext, type ServiceImpl } from "../proto/grpc_server.ts";
import { createServerTls } from "../pki/mod.ts";
import { createTestPki, type TestNodeIdentity } from "../pki/testing.ts";
import { controlServer } from "../manager/controlapi/control_server.ts";
import { authenticate } from "../manager/auth.ts";
import { newTestStore } from "../manager/store/testing.ts";
import type { MemoryStore } from "../manager/store/memory_store.ts";

/** Where a client's TLS files are: `dir/cert.pem`, `dir/key.pem`, `dir/ca.pem`. */
export interface ClientFiles {
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A running remote Control API and client certificate files for it. */
export interface RemoteControl {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  readonly store: MemoryStore;
  /** A manager's certificate (node "mgr1"): allowed. */
  readonly manager: ClientFiles;
  /** A worker's certificate (node "wrk1"): refused. */
  readonly worker: ClientFiles;
  stop(): Promise<void>;
}

/** Starts the server on 127.0.0.1:0 with a cluster of one manager ("manager-1") and one worker. */
export async function startRemoteControl(): Promise<RemoteControl> {
  const pki = await createTestPki();
  const server = await pki.issue({ role: "manager", nodeId: "mgr1" });
  const store = newTestStore();
  await store.update((tx) => {
    tx.create(
      "cluster",
      create(ClusterSchema, { id: pki.clusterId, spec: { annotations: { name: "default" } } }),
    );
    tx.create(
      "node",
      create(NodeSchema, {
        id: "mgr1",
        role: NodeRole.MANAGER,
        spec: { desiredRole: NodeRole.MANAGER },
        description: { hostname: "manager-1" },
        status: { state: NodeStatus_State.READY },
        managerStatus: {
          leader: true,
          addr: "127.0.0.1:4242",
          reachability: RaftMemberStatus_Reachability.REACHABLE,
        },
      }),
    );
    tx.create(
      "node",
      create(NodeSchema, {
        id: "wrk1",
        description: { hostname: "worker-1" },
        status: { state: NodeStatus_State.READY },
      }),
    );
  });
  let id = 0;
  const control = controlServer({
    store,
    newId: () => `id${++id}`,
    version: { version: "test", nodeId: "mgr1" },
  });
  const managers = (ctx: CallContext) => authenticate(store, pki.clusterId, ctx, ["manager"]);
  const running: RunningServer = await startServer({
    address: "127.0.0.1:0",
    credentials: createServerTls(server).credentials,
    register: (s) => addService(s, Control, checked(control, managers)),
  });
  const dir = await Deno.makeTempDir({ prefix: "swarm-remote-" });
  const files = async (name: string, identity: TestNodeIdentity): Promise<ClientFiles> => {
    const at = `${dir}/${name}`;
    await Deno.mkdir(at);
    await Deno.writeTextFile(`${at}/cert.pem`, identity.certPem);
    await Deno.writeTextFile(`${at}/key.pem`, identity.keyPem, { mode: 0o600 });
    await Deno.writeTextFile(`${at}/ca.pem`, identity.rootPem);
    return { dir: at, cert: `${at}/cert.pem`, key: `${at}/key.pem`, ca: `${at}/ca.pem` };
  };
  return {
    host: running.address,
    store,
    manager: await files("manager", await pki.issue({ role: "manager", nodeId: "mgr1" })),
    worker: await files("worker", await pki.issue({ role: "worker", nodeId: "wrk1" })),
    async stop() {
      await stopServer(running, { mode: "force" });
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Every handler of `impl`, behind an authorization check (as the manager wraps Control). */
function checked<S extends Parameters<typeof addService>[1]>(
  impl: ServiceImpl<S>,
  check: (ctx: CallContext) => unknown,
): ServiceImpl<S> {
  const out: Record<string, unknown> = {};
  for (
    const [name, fn] of Object.entries(
      impl as Record<string, (req: unknown, ctx: CallContext) => unknown>,
    )
  ) {
    out[name] = (req: unknown, ctx: CallContext) => {
      check(ctx);
      return fn(req, ctx);
    };
  }
  return out as ServiceImpl<S>;
}
