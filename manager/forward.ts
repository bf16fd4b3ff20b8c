/**
 * Calls that only the Raft leader can serve, made servable by every manager: a follower passes
 * them on to the leader, so `swarm` and agents work against any manager (as SwarmKit's raft
 * proxy does).
 *
 * The leader sees the follower's certificate on the forwarded call. Where the original caller's
 * identity matters (an agent's session, a certificate renewal, a manager joining Raft), the
 * follower names the original caller in metadata, and the leader believes that only when the call
 * comes from a manager of this cluster — managers are trusted with the whole cluster state already.
 * A forwarded call is never forwarded again: a leader that just lost leadership answers
 * UNAVAILABLE and the caller retries.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "../proto/grpc_client.ts";
import type { AuthContext, CallContext, ServiceImpl } from "../proto/grpc_server.ts";
import { unavailable } from "../proto/grpc_status.ts";

/** Metadata key naming the original caller: its certificate subject as JSON, or "none". */
export const FORWARDED_FOR = "swarm-forwarded-for";
/** Metadata key with the original caller's address. */
export const FORWARDED_PEER = "swarm-forwarded-peer";

export interface ForwardOptions<S extends DescService> {
  isLeader(): boolean;
  /** A client of the current leader. Throws (UNAVAILABLE) when no leader is known. */
  leader(): Client<S>;
  /** Whether the immediate caller may speak for another (a manager of this cluster). */
  trustedForwarder(ctx: CallContext): boolean;
  /**
   * Where calls to this wrapper come from. `local`: the control socket, whose callers act with
   * this manager's authority, so the leader may judge the call by this manager's certificate.
   * `remote`: the TLS port; the original caller is named to the leader.
   */
  readonly origin: "local" | "remote";
}

type Handler = (req: unknown, ctx: CallContext) => unknown;
type ClientFn = (req: unknown, opts: {
  metadata: grpc.Metadata;
  signal: AbortSignal;
  deadline?: Date;
  timeoutMs?: number;
}) => unknown;

/**
 * Wraps `impl`: on the leader its handlers run (with the original caller's identity for
 * forwarded calls); on a follower each call goes to the leader, unary and streaming alike.
 */
export function forwardToLeader<S extends DescService>(
  desc: S,
  impl: ServiceImpl<S>,
  o: ForwardOptions<S>,
): ServiceImpl<S> {
  const handlers = impl as unknown as Record<string, Handler>;
  const out: Record<string, Handler> = {};
  for (const method of desc.methods) {
    const name = method.localName;
    const local = handlers[name];
    if (local === undefined) continue;
    const target = (ctx: CallContext): { fn: ClientFn; metadata: grpc.Metadata } => {
      if (ctx.metadata.get(FORWARDED_FOR).length > 0) {
        throw unavailable(
          "This manager is no longer the Raft leader: retry, the call will reach the new leader",
        );
      }
      const client = o.leader() as unknown as Record<string, ClientFn>;
      return { fn: client[name]!, metadata: forwardMetadata(ctx, o.origin) };
    };
    if (method.methodKind === "unary") {
      out[name] = (req, ctx) => {
        const inbound = acceptForwarded(ctx, o);
        if (o.isLeader()) return local(req, inbound);
        const { fn, metadata } = target(ctx);
        return fn(req, { metadata, signal: ctx.signal, ...deadlineOf(ctx) });
      };
    } else if (method.methodKind === "server_streaming") {
      out[name] = (req, ctx) => {
        const inbound = acceptForwarded(ctx, o);
        if (o.isLeader()) return local(req, inbound);
        const { fn, metadata } = target(ctx);
        return fn(req, { metadata, signal: ctx.signal, ...deadlineOf(ctx) });
      };
    } else {
      // No client-streaming service needs the leader; serve such methods where they arrive.
      out[name] = local;
    }
  }
  return out as unknown as ServiceImpl<S>;
}

function deadlineOf(ctx: CallContext): { deadline?: Date; timeoutMs?: number } {
  if (ctx.deadline !== undefined) return { deadline: ctx.deadline };
  return {};
}

/** Metadata naming the caller of `ctx` to the leader. */
function forwardMetadata(ctx: CallContext, origin: "local" | "remote"): grpc.Metadata {
  const md = new grpc.Metadata();
  if (origin === "local") return md;
  const subject = ctx.authContext().sslPeerCertificate?.subject;
  md.set(
    FORWARDED_FOR,
    subject === undefined ? "none" : JSON.stringify({
      CN: subject.CN,
      OU: subject.OU,
      O: subject.O,
    }),
  );
  md.set(FORWARDED_PEER, ctx.peer);
  return md;
}

/**
 * The context a handler sees: for a call forwarded by a trusted manager, the original caller's
 * identity and address; otherwise `ctx` itself. A forwarded call from anyone else is refused by
 * leaving it unchanged — its own certificate is what gets judged.
 */
function acceptForwarded<S extends DescService>(
  ctx: CallContext,
  o: ForwardOptions<S>,
): CallContext {
  const named = ctx.metadata.get(FORWARDED_FOR)[0];
  if (typeof named !== "string" || !o.trustedForwarder(ctx)) return ctx;
  let subject: { CN?: string; OU?: string; O?: string } | undefined;
  if (named !== "none") {
    try {
      const parsed = JSON.parse(named) as Record<string, unknown>;
      subject = {};
      for (const k of ["CN", "OU", "O"] as const) {
        if (typeof parsed[k] === "string") subject[k] = parsed[k] as string;
      }
    } catch {
      return ctx;
    }
  }
  const peer = ctx.metadata.get(FORWARDED_PEER)[0];
  const auth = { ...ctx.authContext() } as Record<string, unknown>;
  if (subject === undefined) delete auth.sslPeerCertificate;
  else auth.sslPeerCertificate = { subject };
  return {
    method: ctx.method,
    peer: typeof peer === "string" ? peer : ctx.peer,
    metadata: ctx.metadata,
    signal: ctx.signal,
    deadline: ctx.deadline,
    authContext: () => auth as AuthContext,
  };
}
