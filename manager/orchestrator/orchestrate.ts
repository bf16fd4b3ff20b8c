/**
 * The orchestrator stage: each service's decision by its mode, merged into one plan. Jobs
 * (replicated-job, global-job) are refused by the control API and get no tasks here.
 *
 * @module
 */
import type { Service } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { reconcileGlobal } from "./global.ts";
import { reconcileReplicated } from "./replicated.ts";
import { type ClusterView, emptyPlan, mergePlans, type Plan } from "./view.ts";

/** The decision for one service of `view`. */
export function orchestrateService(
  view: ClusterView,
  service: Service,
  now: Date,
  newId: () => string,
): Plan {
  const tasks = view.tasksOfService(service.id);
  switch (service.spec?.mode.case) {
    case "replicated":
      return reconcileReplicated(service, tasks, {
        now,
        newId,
        node: (id) => view.get("node", id),
      });
    case "global":
      return reconcileGlobal(service, tasks, { now, newId, nodes: view.list("node") });
    default:
      return emptyPlan();
  }
}

/** The decisions for every service of `view`. */
export function orchestrate(view: ClusterView, now: Date, newId: () => string): Plan {
  return mergePlans(...view.list("service").map((s) => orchestrateService(view, s, now, newId)));
}
