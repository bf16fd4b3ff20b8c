/**
 * The gRPC layer of swarm: protobuf-es v2 service descriptors bridged to grpc-js, typed servers
 * and clients, the client connection policy and the server start/stop policy.
 *
 * @example Server
 * ```ts
 * import * as grpc from "@grpc/grpc-js";
 * import { addHealthService, addService, notFound, startServer, unauthenticated } from "./mod.ts";
 * const { server, address } = await startServer({
 *   address: "127.0.0.1:4242",                      // or "unix:/var/lib/swarm/swarm.sock"
 *   credentials: grpc.ServerCredentials.createSsl(ca, [{ private_key, cert_chain }], true),
 *   register: (s) => {
 *     addHealthService(s);
 *     addService(s, Nodes, {                        // a GenService from ./gen/
 *       async getNode(req, ctx) {                    // unary
 *         const cn = ctx.authContext().sslPeerCertificate?.subject?.CN;
 *         if (cn === undefined) throw unauthenticated("client certificate required");
 *         return store.get(req.id) ?? Promise.reject(notFound(`node ${req.id}`));
 *       },
 *       async *watch(req, ctx) {                     // server streaming; stop on ctx.signal
 *         for await (const ev of events(ctx.signal)) yield { event: ev };
 *       },
 *     });
 *   },
 * });
 * // stopping: await stopServer(server) and let the process exit (no GOAWAY to live peers)
 * ```
 *
 * @example Client
 * ```ts
 * import { Health, ManagedChannel } from "./mod.ts";
 * const ch = new ManagedChannel({
 *   address: "10.0.0.2:4242",
 *   credentials: grpc.credentials.createSsl(ca, key, cert),        // Buffers
 *   channelOptions: { "grpc.ssl_target_name_override": "swarm-manager" },
 * });
 * const { status } = await ch.client(Health).check({ service: "" }, { timeoutMs: 1_000 });
 * for await (const ev of ch.client(Nodes).watch({}, { signal })) { ... }
 * ch.close();
 * ```
 *
 * @module
 */
export {
  deserializer,
  isRequestStream,
  isResponseStream,
  methodDefinition,
  type MethodInput,
  type MethodKind,
  type MethodOutput,
  methodPath,
  serializer,
  serviceDefinition,
} from "./grpc.ts";
export {
  aborted,
  alreadyExists,
  cancelled,
  deadlineExceeded,
  failedPrecondition,
  fromServiceError,
  GrpcStatusError,
  internal,
  invalidArgument,
  isGrpcStatusError,
  notFound,
  outOfRange,
  permissionDenied,
  resourceExhausted,
  Status,
  statusName,
  toServiceError,
  unauthenticated,
  unavailable,
  unimplemented,
} from "./grpc_status.ts";
export {
  addService,
  type AddServiceOptions,
  type AuthContext,
  type BidiStreamingHandler,
  type CallContext,
  type ClientStreamingHandler,
  isStopping,
  markStopping,
  type MethodHandler,
  type ServerStreamingHandler,
  type ServiceImpl,
  type UnaryHandler,
} from "./grpc_server.ts";
export {
  type BidiStreamingMethod,
  type CallOptions,
  type Client,
  clientError,
  type ClientMethod,
  type ClientOptions,
  type ClientStreamingMethod,
  createClient,
  DEFAULT_TIMEOUT_MS,
  fixedTransport,
  type Lease,
  ResponseStream,
  type RetryOptions,
  type ServerStreamingMethod,
  type Transport,
  type UnaryMethod,
} from "./grpc_client.ts";
export { AsyncQueue, QueueClosedError } from "./grpc_stream.ts";
export {
  AddressError,
  AddressInUseError,
  bindAddress,
  ChannelPool,
  DEFAULT_CHANNEL_OPTIONS,
  DEFAULT_RESET_ON,
  DEFAULT_RETRY,
  DEFAULT_SERVER_OPTIONS,
  FORBIDDEN_SERVER_OPTIONS,
  ForbiddenServerOptionError,
  formatAddress,
  ManagedChannel,
  type ManagedChannelOptions,
  parseAddress,
  type ParsedAddress,
  prepareUnixSocket,
  type RunningServer,
  startServer,
  type StartServerOptions,
  stopServer,
  type StopServerOptions,
} from "./connection.ts";
export { DEFAULT_MAX_MESSAGE_BYTES, MAX_UNIX_PATH_BYTES } from "./grpc_listen.ts";
export { addHealthService, Health, HealthRegistry, ServingStatus } from "./grpc_health.ts";
