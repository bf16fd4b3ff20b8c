/**
 * The orchestrator stage: each service's decision by its mode (replicated, global,
 * replicated-job, global-job), merged into one plan.
 *
 * @module
 */
import type { Service } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { reconcileGlobal } from "./global.ts";
import { reconcileGlobalJob } from "./global_job.ts";
import { reconcileReplicated } from "./replicated.ts";
import { reconcileReplicatedJob } from "./replicated_job.ts";
import { type ClusterView, emptyPlan, mergePlans, type Plan } from "./view.ts";

/** The decision for one service of `view`. */
export function orchestrateService(
  view: ClusterView,
  service: Service,
  now: Date,
  newId: () => string,
): Plan {
  const tasks = view.tasksOfService(service.id);
  const node = (id: string) => view.get("node", id);
  switch (service.spec?.mode.case) {
    case "replicated":
      return reconcileReplicated(service, tasks, { now, newId, node });
    case "global":
      return reconcileGlobal(service, tasks, { now, newId, nodes: view.list("node") });
    case "replicatedJob":
      return reconcileReplicatedJob(service, tasks, { now, newId, node });
    case "globalJob":
      return reconcileGlobalJob(service, tasks, { now, newId, nodes: view.list("node") });
    default:
      return emptyPlan();
  }
}

/** The decisions for every service of `view`. */
export function orchestrate(view: ClusterView, now: Date, newId: () => string): Plan {
  return mergePlans(...view.list("service").map((s) => orchestrateService(view, s, now, newId)));
}
