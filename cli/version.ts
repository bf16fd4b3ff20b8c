/** The version of this `swarm` client, shown by `swarm version`. */
export const CLIENT_VERSION = "0.1.0";
