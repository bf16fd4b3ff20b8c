/**
 * The receiving side of Raft over gRPC: the `swarm.v1.Raft` service, which checks who is calling
 * and what it sends, then hands each message to the local member (`RaftNode.receive`).
 *
 * Every batch is checked whole before any of it is delivered, in this order:
 *
 * 1. `authorize(ctx)` names the caller (a manager's node ID from its client certificate) or throws
 *    a `GrpcStatusError` (UNAUTHENTICATED / PERMISSION_DENIED), which the caller gets as is.
 * 2. Too many messages in one batch: RESOURCE_EXHAUSTED (a correct sender cuts its batches
 *    smaller, see `GrpcRaftTransport`).
 * 3. A message that does not decode: INVALID_ARGUMENT (see `grpc_codec.ts`).
 * 4. A message not addressed to this member, or not from the caller: PERMISSION_DENIED. A
 *    manager's certificate lets it speak for itself only; without this check any manager could
 *    forge votes or acknowledgements of another and break Raft's safety.
 * 5. Anything else malformed (`validateMessage`: entry order, chunk bounds, bad membership
 *    changes…): INVALID_ARGUMENT.
 *
 * A failed check delivers nothing of the batch. Handlers never throw anything but a
 * `GrpcStatusError` on their own account; an unexpected error becomes INTERNAL in `addService`
 * and never stops the server.
 *
 * @module
 */
import type { Raft, RaftMessage } from "../proto/gen/swarm/v1/raft_pb.ts";
import type { CallContext, ServiceImpl } from "../proto/grpc_server.ts";
import {
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
} from "../proto/grpc_status.ts";
import { decodeRaftMessage } from "./grpc_codec.ts";
import { validateMessage } from "./message.ts";
import { InvalidMessageError, type MemberId, type Message } from "./types.ts";

/** Most messages accepted in one batch (one unary call, or one message of a stream).
 * Larger than what `GrpcRaftTransport` sends by default. */
export const DEFAULT_MAX_BATCH_MESSAGES = 4096;

/** Options of {@link raftService}. */
export interface RaftServiceOptions {
  /** This member's ID: every message must be addressed to it. */
  readonly selfId: MemberId;
  /** Delivers one checked message to the local member (`node.receive`). Must not block. */
  readonly receive: (message: Message) => void;
  /**
   * Names the caller: returns its member ID (the node ID in its client certificate, once its
   * cluster, role "manager" and revocation were checked) or throws a `GrpcStatusError`.
   */
  readonly authorize: (ctx: CallContext) => MemberId;
  /** @default DEFAULT_MAX_BATCH_MESSAGES */
  readonly maxBatchMessages?: number;
  /** Answers `ResolveAddress`: the address of a member, or undefined when unknown (NOT_FOUND).
   * Without it every lookup is NOT_FOUND. */
  readonly resolve?: (id: MemberId) => string | undefined;
}

/** The `swarm.v1.Raft` service of one member; register it with `addService(server, Raft, …)`. */
export function raftService(o: RaftServiceOptions): ServiceImpl<typeof Raft> {
  const max = o.maxBatchMessages ?? DEFAULT_MAX_BATCH_MESSAGES;

  /** Checks a whole batch from `caller` (steps 2–5 of the module doc) and returns it decoded. */
  const check = (caller: MemberId, batch: readonly RaftMessage[]): Message[] => {
    if (batch.length > max) {
      throw resourceExhausted(
        `A batch of ${batch.length} Raft messages is more than the ${max} this member accepts: ` +
          "send smaller batches",
      );
    }
    const out: Message[] = [];
    for (const p of batch) {
      let m: Message;
      try {
        m = decodeRaftMessage(p);
      } catch (e) {
        throw invalidArgument(e instanceof Error ? e.message : String(e));
      }
      if (m.to !== o.selfId) {
        throw permissionDenied(
          `A Raft message for ${JSON.stringify(m.to)} reached member ${o.selfId}: ` +
            "a member accepts only messages addressed to itself",
        );
      }
      if (m.from !== caller) {
        throw permissionDenied(
          `Member ${caller} sent a Raft message claiming to come from ${JSON.stringify(m.from)}: ` +
            "a member may only send its own messages",
        );
      }
      try {
        validateMessage(m, o.selfId);
      } catch (e) {
        if (e instanceof InvalidMessageError) throw invalidArgument(e.message);
        throw e;
      }
      out.push(m);
    }
    return out;
  };

  const deliver = (messages: readonly Message[]): void => {
    for (const m of messages) o.receive(m);
  };

  return {
    processRaftMessages(req, ctx) {
      const caller = o.authorize(ctx);
      deliver(check(caller, req.messages));
      return {};
    },

    async streamRaftMessage(reqs, ctx) {
      // Authorized once: every batch of the stream arrives on the same connection, with the
      // same client certificate.
      const caller = o.authorize(ctx);
      // Delivered batch by batch: the member reassembles snapshot chunks itself, and holding a
      // whole snapshot here would only double the memory it takes.
      for await (const req of reqs) deliver(check(caller, req.messages));
      return {};
    },

    resolveAddress(req, ctx) {
      o.authorize(ctx);
      const addr = o.resolve?.(req.raftId);
      if (addr === undefined || addr === "") {
        throw notFound(`Member ${o.selfId} knows no address for Raft member ${req.raftId}`);
      }
      return { addr };
    },
  };
}
