import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Echo, echoImpl } from "../proto/grpc_testing.ts";
import { createClient } from "../proto/grpc_client.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { addService, type CallContext, type ServiceImpl } from "../proto/grpc_server.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { isGrpcStatusError, Status } from "../proto/grpc_status.ts";
import {
  clientChannelOptions,
  clientCredentials,
  createServerTls,
  peerIdentity,
} from "../pki/mod.ts";
import { createTestPki, type TestNodeIdentity } from "../pki/testing.ts";
import { FORWARDED_FOR, forwardToLeader } from "./forward.ts";

/** Echo whose `say` answers with the caller identity the handler sees ("CN/OU" or "none"). */
function whoAmI(): ServiceImpl<typeof Echo> {
  const base = echoImpl({ total: 0, addCalls: 0, aborts: [], streamsFinished: 0 });
  return {
    ...base,
    say: (req, ctx) => {
      if (req.value !== "who") return base.say(req, ctx);
      const id = peerIdentity({ getAuthContext: () => ctx.authContext() });
      return { value: id ? `${id.nodeId}/${id.role}` : "none" };
    },
  };
}

const isManager = (ctx: CallContext) =>
  peerIdentity({ getAuthContext: () => ctx.authContext() })?.role === "manager";

async function serve(
  me: TestNodeIdentity,
  impl: ServiceImpl<typeof Echo>,
): Promise<RunningServer> {
  return await startServer({
    address: "127.0.0.1:0",
    credentials: createServerTls(me).credentials,
    register: (s) => addService(s, Echo, impl),
  });
}

function channelTo(server: RunningServer, as: TestNodeIdentity): ManagedChannel {
  return new ManagedChannel({
    address: server.address,
    credentials: clientCredentials(as),
    channelOptions: clientChannelOptions(),
  });
}

Deno.test("a follower forwards calls to the leader, which sees the original caller", async () => {
  const pki = await createTestPki();
  const leaderId = await pki.issue({ role: "manager", nodeId: "leader" });
  const followerId = await pki.issue({ role: "manager", nodeId: "follower" });
  const worker = await pki.issue({ role: "worker", nodeId: "w1" });
  let leaderIsLeader = true;
  const leader = await serve(
    leaderId,
    forwardToLeader(Echo, whoAmI(), {
      isLeader: () => leaderIsLeader,
      leader: () => {
        throw new Error("the leader never forwards");
      },
      trustedForwarder: isManager,
      origin: "remote",
    }),
  );
  const toLeader = channelTo(leader, followerId);
  const follower = await serve(
    followerId,
    forwardToLeader(Echo, whoAmI(), {
      isLeader: () => false,
      leader: () => createClient(Echo, toLeader),
      trustedForwarder: isManager,
      origin: "remote",
    }),
  );
  const asWorker = channelTo(follower, worker);
  const asWorkerToLeader = channelTo(leader, worker);
  try {
    const client = createClient(Echo, asWorker);
    assert.equal((await client.say({ value: "who" })).value, "w1/worker");
    // Streams are forwarded as well.
    const seen: number[] = [];
    for await (const m of client.count({ value: 3 })) seen.push(m.value);
    assert.deepEqual(seen, [0, 1, 2]);

    // A worker cannot claim to speak for someone else: only managers are believed.
    const md = new grpc.Metadata();
    md.set(FORWARDED_FOR, JSON.stringify({ CN: "boss", OU: "swarm-manager", O: pki.clusterId }));
    const direct = createClient(Echo, asWorkerToLeader);
    assert.equal((await direct.say({ value: "who" }, { metadata: md })).value, "w1/worker");

    // A forwarded call that reaches a manager which lost leadership is not forwarded again.
    leaderIsLeader = false;
    await assert.rejects(
      client.say({ value: "who" }),
      (e) =>
        isGrpcStatusError(e, Status.UNAVAILABLE) && /no longer the Raft leader/.test(e.message),
    );
  } finally {
    asWorker.close();
    asWorkerToLeader.close();
    toLeader.close();
    await stopServer(follower);
    await stopServer(leader);
  }
});

Deno.test("calls from the local socket reach the leader as the forwarding manager", async () => {
  const pki = await createTestPki();
  const leaderId = await pki.issue({ role: "manager", nodeId: "leader" });
  const followerId = await pki.issue({ role: "manager", nodeId: "follower" });
  const leader = await serve(leaderId, whoAmI());
  const toLeader = channelTo(leader, followerId);
  const local = forwardToLeader(Echo, whoAmI(), {
    isLeader: () => false,
    leader: () => createClient(Echo, toLeader),
    trustedForwarder: isManager,
    origin: "local",
  });
  try {
    const ctx: CallContext = {
      method: "/swarm.testing.v1.Echo/Say",
      peer: "local",
      metadata: new grpc.Metadata(),
      signal: new AbortController().signal,
      deadline: undefined,
      authContext: () => ({}),
    };
    const res = await (local.say({ value: "who" } as never, ctx) as Promise<{ value: string }>);
    assert.equal(res.value, "follower/manager");
  } finally {
    toLeader.close();
    await stopServer(leader);
  }
});
