/** The version of swarm, reported by `swarm version` and by the control API. */
export const VERSION = "0.1.0";
