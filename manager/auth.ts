/**
 * Per-RPC authorization on the managers' TLS port: the caller's certificate must come from this
 * cluster's CA, name this cluster, carry an allowed role, and not belong to a removed node.
 *
 * @module
 */
import type { NodeIdentity } from "../pki/mod.ts";
import { authorize } from "../pki/mod.ts";
import { peerIdentity } from "../pki/mod.ts";
import type { DescService } from "@bufbuild/protobuf";
import type { CallContext, ServiceImpl } from "../proto/grpc_server.ts";
import { permissionDenied, unauthenticated } from "../proto/grpc_status.ts";
import type { MemoryStore } from "./store/memory_store.ts";

export type Role = NodeIdentity["role"];

export function authenticate(
  store: MemoryStore,
  clusterId: string,
  ctx: CallContext,
  roles: readonly Role[],
): NodeIdentity {
  const identity = peerIdentity({ getAuthContext: () => ctx.authContext() });
  const cluster = store.get("cluster", clusterId);
  const error = authorize(
    identity,
    roles,
    clusterId,
    (id) => cluster?.blacklistedCertificates[id] !== undefined,
  );
  if (error === null) return identity!;
  throw error.name === "UnauthenticatedError"
    ? unauthenticated(error.message)
    : permissionDenied(error.message);
}

/** Wraps every handler of `impl` with an authorization check on the call context. */
export function withCheck<S extends DescService>(
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
