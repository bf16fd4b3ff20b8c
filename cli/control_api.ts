/**
 * The control API as the client commands see it: one async method per RPC of the `Control`
 * service in `proto/swarm/v1/control.proto`, named in lowerCamel case, plus `CA.GetUnlockKey`
 * (`swarm unlock-key`) and `NodeLock.Unlock` (`swarm unlock`) on the same connection. The node
 * implements it over gRPC on the control socket; tests use {@linkcode FakeControlApi}.
 *
 * A failed call rejects with an Error carrying the gRPC status `code` (a number) and the
 * server's message in `details` (grpc-js `ServiceError` has this shape), or with a connection
 * error when the socket cannot be reached.
 *
 * @module
 */

import type {
  CreateConfigRequest,
  CreateConfigResponse,
  CreateSecretRequest,
  CreateSecretResponse,
  CreateServiceRequest,
  CreateServiceResponse,
  GetClusterRequest,
  GetClusterResponse,
  GetConfigRequest,
  GetConfigResponse,
  GetNodeRequest,
  GetNodeResponse,
  GetSecretRequest,
  GetSecretResponse,
  GetServiceRequest,
  GetServiceResponse,
  GetTaskRequest,
  GetTaskResponse,
  GetVersionRequest,
  GetVersionResponse,
  ListClustersRequest,
  ListClustersResponse,
  ListConfigsRequest,
  ListConfigsResponse,
  ListNodesRequest,
  ListNodesResponse,
  ListSecretsRequest,
  ListSecretsResponse,
  ListServicesRequest,
  ListServicesResponse,
  ListServiceStatusesRequest,
  ListServiceStatusesResponse,
  ListTasksRequest,
  ListTasksResponse,
  RemoveConfigRequest,
  RemoveConfigResponse,
  RemoveNodeRequest,
  RemoveNodeResponse,
  RemoveSecretRequest,
  RemoveSecretResponse,
  RemoveServiceRequest,
  RemoveServiceResponse,
  UpdateClusterRequest,
  UpdateClusterResponse,
  UpdateNodeRequest,
  UpdateNodeResponse,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from "../proto/gen/swarm/v1/control_pb.ts";
import type { GetUnlockKeyRequest, GetUnlockKeyResponse } from "../proto/gen/swarm/v1/ca_pb.ts";
import type { UnlockRequest, UnlockResponse } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import type { SubscribeLogsMessage, SubscribeLogsRequest } from "../proto/gen/swarm/v1/logs_pb.ts";

/** The control API methods the `swarm` client calls. */
export interface ControlApi {
  getVersion(req: GetVersionRequest): Promise<GetVersionResponse>;

  getNode(req: GetNodeRequest): Promise<GetNodeResponse>;
  listNodes(req: ListNodesRequest): Promise<ListNodesResponse>;
  updateNode(req: UpdateNodeRequest): Promise<UpdateNodeResponse>;
  removeNode(req: RemoveNodeRequest): Promise<RemoveNodeResponse>;

  getTask(req: GetTaskRequest): Promise<GetTaskResponse>;
  listTasks(req: ListTasksRequest): Promise<ListTasksResponse>;

  getService(req: GetServiceRequest): Promise<GetServiceResponse>;
  listServices(req: ListServicesRequest): Promise<ListServicesResponse>;
  createService(req: CreateServiceRequest): Promise<CreateServiceResponse>;
  updateService(req: UpdateServiceRequest): Promise<UpdateServiceResponse>;
  removeService(req: RemoveServiceRequest): Promise<RemoveServiceResponse>;
  listServiceStatuses(req: ListServiceStatusesRequest): Promise<ListServiceStatusesResponse>;

  getCluster(req: GetClusterRequest): Promise<GetClusterResponse>;
  listClusters(req: ListClustersRequest): Promise<ListClustersResponse>;
  updateCluster(req: UpdateClusterRequest): Promise<UpdateClusterResponse>;

  getSecret(req: GetSecretRequest): Promise<GetSecretResponse>;
  listSecrets(req: ListSecretsRequest): Promise<ListSecretsResponse>;
  createSecret(req: CreateSecretRequest): Promise<CreateSecretResponse>;
  removeSecret(req: RemoveSecretRequest): Promise<RemoveSecretResponse>;

  getConfig(req: GetConfigRequest): Promise<GetConfigResponse>;
  listConfigs(req: ListConfigsRequest): Promise<ListConfigsResponse>;
  createConfig(req: CreateConfigRequest): Promise<CreateConfigResponse>;
  removeConfig(req: RemoveConfigRequest): Promise<RemoveConfigResponse>;

  /** `CA.GetUnlockKey`: the managers' unlock key, while autolock is on. */
  getUnlockKey(req: GetUnlockKeyRequest): Promise<GetUnlockKeyResponse>;
  /** `Logs.SubscribeLogs`: batches of task log lines until the stream ends (`swarm service logs`). */
  subscribeLogs(
    req: SubscribeLogsRequest,
    options?: { signal?: AbortSignal },
  ): Promise<AsyncIterable<SubscribeLogsMessage>>;
  /** `NodeLock.Unlock`: gives a locked manager its unlock key (control socket only). */
  unlock(req: UnlockRequest): Promise<UnlockResponse>;
}

/** Every method name of {@linkcode ControlApi}. */
export type ControlMethod = keyof ControlApi;

/** The methods that change cluster state. */
export const MUTATING_METHODS: readonly ControlMethod[] = [
  "updateNode",
  "removeNode",
  "createService",
  "updateService",
  "removeService",
  "updateCluster",
  "createSecret",
  "removeSecret",
  "createConfig",
  "removeConfig",
];

/** gRPC status codes used by the client. */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(GrpcCode).map(([name, code]) => [code, name]),
);

/**
 * An error from the control API in the shape grpc-js uses: `code`, `details` (the server's
 * message) and a `message` of the form "5 NOT_FOUND: service x not found".
 */
export class RpcError extends Error {
  override name = "RpcError";
  readonly code: number;
  readonly details: string;

  constructor(code: number, details: string, options?: ErrorOptions) {
    super(`${code} ${CODE_NAMES[code] ?? "UNKNOWN"}: ${details}`, options);
    this.code = code;
    this.details = details;
  }
}

/** The gRPC status code of an error, if it has one. */
export function rpcCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

/** The server's message of a control API error: `details` when set, else the message. */
export function rpcMessage(err: unknown): string {
  if (typeof err === "object" && err !== null) {
    const details = (err as { details?: unknown }).details;
    if (typeof details === "string" && details !== "") return details;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT",
  "ENOTSOCK",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

/**
 * Whether an error means the manager could not be reached: gRPC UNAVAILABLE, or a socket-level
 * connection error (refused, no such socket file, reset).
 */
export function isConnectionError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (code === GrpcCode.UNAVAILABLE) return true;
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  return err instanceof Deno.errors.ConnectionRefused ||
    err instanceof Deno.errors.ConnectionReset ||
    err instanceof Deno.errors.NotConnected ||
    err instanceof Deno.errors.BrokenPipe;
}
