/**
 * The kinds of objects the store holds, and the one table that maps each kind to its protobuf
 * schema and to its case in `StoreObject`.
 *
 * @module
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  type Cluster,
  ClusterSchema,
  type Config,
  ConfigSchema,
  type Node,
  NodeSchema,
  type Secret,
  SecretSchema,
  type Service,
  ServiceSchema,
  type StoreObject,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";

export interface ObjectTypes {
  node: Node;
  service: Service;
  task: Task;
  cluster: Cluster;
  secret: Secret;
  config: Config;
}

export type ObjectKind = keyof ObjectTypes;
export type AnyObject = ObjectTypes[ObjectKind];

export const OBJECT_KINDS: readonly ObjectKind[] = [
  "cluster",
  "node",
  "service",
  "task",
  "secret",
  "config",
];

interface KindInfo<K extends ObjectKind> {
  readonly schema: DescMessage & { readonly typeName: string };
  /** The object's name for the unique-name index, or undefined when names are not unique. */
  readonly uniqueName: ((object: ObjectTypes[K]) => string) | undefined;
}

const annotationName = (o: { spec?: { annotations?: { name: string } | undefined } | undefined }) =>
  o.spec?.annotations?.name ?? "";

export const KIND_INFO: { readonly [K in ObjectKind]: KindInfo<K> } = {
  cluster: { schema: ClusterSchema, uniqueName: annotationName },
  // Node hostnames and task names are not unique, as in SwarmKit.
  node: { schema: NodeSchema, uniqueName: undefined },
  service: { schema: ServiceSchema, uniqueName: annotationName },
  task: { schema: TaskSchema, uniqueName: undefined },
  secret: { schema: SecretSchema, uniqueName: annotationName },
  config: { schema: ConfigSchema, uniqueName: annotationName },
};

/** A tagged object: what store actions and events carry. */
export type TaggedObject = { [K in ObjectKind]: { kind: K; object: ObjectTypes[K] } }[ObjectKind];

export function toStoreObject(tagged: TaggedObject): StoreObject["object"] {
  return { case: tagged.kind, value: tagged.object } as StoreObject["object"];
}

export function fromStoreObject(object: StoreObject["object"]): TaggedObject | undefined {
  if (object.case === undefined) return undefined;
  return { kind: object.case, object: object.value } as TaggedObject;
}

export type SchemaOf<K extends ObjectKind> = MessageShape<(typeof KIND_INFO)[K]["schema"]>;
