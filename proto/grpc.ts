/**
 * Bridge from protobuf-es v2 service descriptors (`GenService`, generated into `proto/gen/`) to
 * grpc-js `ServiceDefinition`s.
 *
 * protobuf-es ships no grpc-js stubs; every service of this project goes through
 * {@link serviceDefinition}: method paths are `/<package>.<Service>/<Method>`, keys are the
 * descriptor's `localName` (lowerCamelCase, e.g. `check`), and messages are (de)serialized with
 * `toBinary`/`fromBinary` (grpc-js `Buffer` ↔ protobuf-es `Uint8Array`).
 *
 * The typed server helper is in `grpc_server.ts`, the typed client in `grpc_client.ts`.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  type DescMessage,
  type DescMethod,
  type DescService,
  fromBinary,
  type MessageShape,
  toBinary,
} from "@bufbuild/protobuf";

/** The four RPC kinds. */
export type MethodKind = DescMethod["methodKind"];

/** Input (request) message descriptor of a method descriptor type. */
export type MethodInput<M> = M extends { readonly input: infer I extends DescMessage } ? I : never;
/** Output (response) message descriptor of a method descriptor type. */
export type MethodOutput<M> = M extends { readonly output: infer O extends DescMessage } ? O
  : never;

/** The grpc-js path of a method: `/swarm.v1.Health/Check`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** True if the method's requests are a stream (client-streaming or bidi). */
export function isRequestStream(method: DescMethod): boolean {
  return method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
}

/** True if the method's responses are a stream (server-streaming or bidi). */
export function isResponseStream(method: DescMethod): boolean {
  return method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
}

/** Serializer for grpc-js: protobuf-es message → `Buffer` (a view, no copy). */
export function serializer<D extends DescMessage>(desc: D): (msg: MessageShape<D>) => Buffer {
  return (msg) => {
    const bytes = toBinary(desc, msg);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * Deserializer for grpc-js: `Buffer` → protobuf-es message. The bytes are read through a plain
 * `Uint8Array` view so `bytes` fields come out as `Uint8Array`, not `Buffer`.
 */
export function deserializer<D extends DescMessage>(desc: D): (buf: Buffer) => MessageShape<D> {
  return (buf) => fromBinary(desc, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** A grpc-js method definition for one protobuf-es method descriptor. */
export function methodDefinition<M extends DescMethod>(
  method: M,
): grpc.MethodDefinition<MessageShape<MethodInput<M>>, MessageShape<MethodOutput<M>>> {
  return {
    path: methodPath(method),
    requestStream: isRequestStream(method),
    responseStream: isResponseStream(method),
    requestSerialize: serializer(method.input),
    requestDeserialize: deserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
    originalName: method.name,
  } as unknown as grpc.MethodDefinition<
    MessageShape<MethodInput<M>>,
    MessageShape<MethodOutput<M>>
  >;
}

/**
 * The grpc-js `ServiceDefinition` of a protobuf-es service descriptor, keyed by each method's
 * `localName`. Works for unary, server-streaming, client-streaming and bidi methods. Usable
 * directly with `server.addService(def, impl)` / `grpc.makeGenericClientConstructor(def, name)`,
 * though {@link addService} and {@link createClient} give typed handlers and clients.
 */
export function serviceDefinition(desc: DescService): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of desc.methods) {
    def[method.localName] = methodDefinition(method) as grpc.MethodDefinition<unknown, unknown>;
  }
  return def;
}
