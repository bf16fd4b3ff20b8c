/**
 * The fake control API's service and task handlers.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import * as pb from "../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSchema, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { VersionSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import {
  insertServiceDefaults,
  isJobMode,
  validateServiceSpec,
} from "../../manager/validate/mod.ts";
import { missingReferences } from "../../manager/controlapi/reference_check.ts";
import { serviceTaskCounts } from "../../manager/controlapi/service_status.ts";
import {
  newJobStatus,
  serviceUpdateRefusal,
  updatedService,
} from "../../manager/controlapi/service_update.ts";
import { GrpcCode, RpcError } from "../control_api.ts";
import { type FakeObjects, labelsMatch, matches, validate } from "./objects.ts";

export function getTask(o: FakeObjects, req: pb.GetTaskRequest): pb.GetTaskResponse {
  return create(pb.GetTaskResponseSchema, {
    task: clone(TaskSchema, o.get(o.tasks, "task", req.taskId)),
  });
}

export function listTasks(o: FakeObjects, req: pb.ListTasksRequest): pb.ListTasksResponse {
  const f = req.filters;
  const tasks = [...o.tasks.values()].filter((t) =>
    matches(t.id, t.annotations?.name ?? "", f) &&
    labelsMatch(t.annotations?.labels, f?.labels) &&
    (f === undefined || f.serviceIds.length === 0 || f.serviceIds.includes(t.serviceId)) &&
    (f === undefined || f.nodeIds.length === 0 || f.nodeIds.includes(t.nodeId)) &&
    (f === undefined || f.desiredStates.length === 0 ||
      f.desiredStates.includes(t.desiredState))
  );
  return create(pb.ListTasksResponseSchema, { tasks: tasks.map((t) => clone(TaskSchema, t)) });
}

export function getService(o: FakeObjects, req: pb.GetServiceRequest): pb.GetServiceResponse {
  const svc = clone(ServiceSchema, o.get(o.services, "service", req.serviceId));
  if (req.insertDefaults && svc.spec !== undefined) svc.spec = insertServiceDefaults(svc.spec);
  return create(pb.GetServiceResponseSchema, { service: svc });
}

export function listServices(
  o: FakeObjects,
  req: pb.ListServicesRequest,
): pb.ListServicesResponse {
  const f = req.filters;
  const services = [...o.services.values()].filter((s) =>
    matches(s.id, s.spec?.annotations?.name ?? "", f) &&
    labelsMatch(s.spec?.annotations?.labels, f?.labels)
  );
  return create(pb.ListServicesResponseSchema, {
    services: services.map((s) => clone(ServiceSchema, s)),
  });
}

export function createService(
  o: FakeObjects,
  req: pb.CreateServiceRequest,
): pb.CreateServiceResponse {
  validate(() => validateServiceSpec(req.spec));
  checkReferences(o, req.spec);
  const spec = clone(pb.CreateServiceRequestSchema, req).spec!;
  o.checkNameFree(
    o.services,
    "service",
    spec.annotations?.name ?? "",
    (s) => s.spec?.annotations?.name,
  );
  const svc = o.addService({
    spec,
    ...(isJobMode(spec) ? { jobStatus: newJobStatus(o.now()) } : {}),
  });
  return create(pb.CreateServiceResponseSchema, { service: clone(ServiceSchema, svc) });
}

export function updateService(
  o: FakeObjects,
  req: pb.UpdateServiceRequest,
): pb.UpdateServiceResponse {
  const svc = o.get(o.services, "service", req.serviceId);
  const rollback = req.rollback === pb.UpdateServiceRequest_Rollback.PREVIOUS;
  if (!rollback) validate(() => validateServiceSpec(req.spec));
  o.checkVersion(svc.meta, req.serviceVersion);
  const refusal = serviceUpdateRefusal(svc, req);
  if (refusal !== undefined) throw new RpcError(GrpcCode[refusal.code], refusal.message);
  const updated = updatedService(svc, req, o.now());
  checkReferences(o, updated.spec);
  updated.meta = o.touch(svc.meta);
  updated.specVersion = clone(VersionSchema, updated.meta.version!);
  o.services.set(svc.id, updated);
  return create(pb.UpdateServiceResponseSchema, { service: clone(ServiceSchema, updated) });
}

export function removeService(
  o: FakeObjects,
  req: pb.RemoveServiceRequest,
): pb.RemoveServiceResponse {
  const svc = o.get(o.services, "service", req.serviceId);
  o.services.delete(svc.id);
  return create(pb.RemoveServiceResponseSchema);
}

export function listServiceStatuses(
  o: FakeObjects,
  req: pb.ListServiceStatusesRequest,
): pb.ListServiceStatusesResponse {
  const statuses = req.services.map((id) => ({
    serviceId: id,
    ...serviceTaskCounts(
      o.services.get(id),
      [...o.tasks.values()].filter((t) => t.serviceId === id),
    ),
  }));
  return create(pb.ListServiceStatusesResponseSchema, { statuses });
}

/** A service may only reference secrets and configs that exist, as on a real manager. */
function checkReferences(o: FakeObjects, spec: pb.CreateServiceRequest["spec"]): void {
  const missing = missingReferences(spec, {
    secret: (id) => o.secrets.get(id),
    config: (id) => o.configs.get(id),
  });
  if (missing !== undefined) throw new RpcError(GrpcCode.INVALID_ARGUMENT, missing);
}
