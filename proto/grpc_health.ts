/**
 * The `swarm.v1.Health` service (proto/swarm/v1/health.proto), modelled on grpc.health.v1:
 * `Check({service})` answers the serving status of one service, or of the whole server for
 * `service: ""`. Unknown services answer `NOT_FOUND`; a stopping server answers `UNAVAILABLE`
 * (the `addService` wrapper refuses new calls).
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { Health, HealthCheckResponse_ServingStatus } from "./gen/swarm/v1/health_pb.ts";
import { addService, type AddServiceOptions } from "./grpc_server.ts";
import { notFound } from "./grpc_status.ts";

export { Health, HealthCheckResponse_ServingStatus as ServingStatus };

/** Serving status per service name; `""` is the server as a whole (SERVING initially). */
export class HealthRegistry {
  readonly #status = new Map<string, HealthCheckResponse_ServingStatus>([
    ["", HealthCheckResponse_ServingStatus.SERVING],
  ]);

  /** Sets the status of `service` (`""` for the whole server). */
  set(service: string, status: HealthCheckResponse_ServingStatus): void {
    this.#status.set(service, status);
  }

  /** The status of `service`, or `undefined` if it was never set. */
  get(service: string): HealthCheckResponse_ServingStatus | undefined {
    return this.#status.get(service);
  }

  /** Forgets `service` (it then answers NOT_FOUND). */
  delete(service: string): void {
    if (service !== "") this.#status.delete(service);
  }
}

/** Registers `swarm.v1.Health` on `server`, answering from `registry` (a new one by default). */
export function addHealthService(
  server: grpc.Server,
  registry: HealthRegistry = new HealthRegistry(),
  options: AddServiceOptions = {},
): HealthRegistry {
  addService(server, Health, {
    check(req) {
      const status = registry.get(req.service);
      if (status === undefined) throw notFound(`unknown service "${req.service}"`);
      return { status };
    },
  }, options);
  return registry;
}
