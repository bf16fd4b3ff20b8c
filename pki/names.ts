/**
 * Names that appear in swarm certificates, and the mapping between a node's role and the
 * organizational unit (OU) of its certificate subject.
 *
 * A node certificate's subject is `O=<cluster ID>, OU=<role OU>, CN=<node ID>`; its DNS SANs are
 * the OU and the CN, plus {@link CA_NAME} for managers. Clients dial managers with the TLS server
 * name {@link MANAGER_SERVER_NAME}, which every manager certificate carries as a SAN.
 *
 * @module
 */

/** A node's role, as carried by its certificate. */
export type NodeRole = "manager" | "worker";

/** The root CA's common name, and a SAN of every manager certificate. */
export const CA_NAME = "swarm-ca";

/** OU of a manager certificate; also the TLS server name clients verify. */
export const MANAGER_OU = "swarm-manager";

/** OU of a worker certificate. */
export const WORKER_OU = "swarm-worker";

/** The TLS server name clients verify when dialing any manager (by IP or by name). */
export const MANAGER_SERVER_NAME: string = MANAGER_OU;

/** The OU that encodes `role`. */
export function ouForRole(role: NodeRole): string {
  return role === "manager" ? MANAGER_OU : WORKER_OU;
}

/** The role an OU encodes, or null when the OU is not a swarm role. */
export function roleFromOU(ou: string): NodeRole | null {
  if (ou === MANAGER_OU) return "manager";
  if (ou === WORKER_OU) return "worker";
  return null;
}

/** Whether `value` is a {@link NodeRole} (for checking untyped input). */
export function isNodeRole(value: unknown): value is NodeRole {
  return value === "manager" || value === "worker";
}
