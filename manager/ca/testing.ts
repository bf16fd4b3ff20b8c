/**
 * Test support for the CA services: a test store holding a cluster object with a fresh root CA
 * and join tokens, built as the manager builds it on `swarm init`. Not for production use.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import { ClusterSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { createTestPki, type TestPki } from "../../pki/testing.ts";
import { generateJoinToken } from "../../pki/mod.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { newTestStore } from "../store/testing.ts";
import { durationFromMs } from "../duration.ts";
import { MANAGER_UNLOCK_KEY_SUBSYSTEM } from "./node_ca_server.ts";

/** Options of {@link createTestCluster}. */
export interface TestClusterOptions {
  /** @default "test-cluster" */
  readonly clusterId?: string;
  /** `spec.caConfig.nodeCertExpiry`; omitted from the spec when null. @default 90 days */
  readonly nodeCertExpiryMs?: number | null;
  /** When given, autolock is on and this is the managers' unlock key. */
  readonly unlockKey?: Uint8Array;
  /** The store's clock; the root CA is created at its current time. @default the real clock */
  readonly now?: () => Date;
}

/** A store with a cluster object, and the CA behind it. */
export interface TestCluster {
  readonly store: MemoryStore;
  readonly clusterId: string;
  readonly pki: TestPki;
  readonly tokens: { readonly worker: string; readonly manager: string };
}

/** Creates a test store whose cluster object holds a fresh root CA and join tokens. */
export async function createTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const clusterId = options.clusterId ?? "test-cluster";
  const now = options.now ?? (() => new Date());
  const pki = await createTestPki({ clusterId, now: now() });
  const store = newTestStore({ now });
  const tokens = {
    worker: generateJoinToken(pki.rootDigest),
    manager: generateJoinToken(pki.rootDigest),
  };
  const expiryMs = options.nodeCertExpiryMs === undefined
    ? 90 * 24 * 3_600_000
    : options.nodeCertExpiryMs;
  const encoder = new TextEncoder();
  await store.update((tx) =>
    tx.create(
      "cluster",
      create(ClusterSchema, {
        id: clusterId,
        spec: {
          annotations: { name: "default" },
          ...(expiryMs === null ? {} : { caConfig: { nodeCertExpiry: durationFromMs(expiryMs) } }),
          ...(options.unlockKey === undefined
            ? {}
            : { encryptionConfig: { autoLockManagers: true } }),
        },
        rootCa: {
          caCert: encoder.encode(pki.root.certPem),
          caKey: encoder.encode(pki.root.keyPem),
          caCertHash: [...pki.rootDigest].map((b) => b.toString(16).padStart(2, "0")).join(""),
          joinTokens: tokens,
        },
        unlockKeys: options.unlockKey === undefined
          ? []
          : [{ subsystem: MANAGER_UNLOCK_KEY_SUBSYSTEM, key: options.unlockKey }],
      }),
    )
  );
  return { store, clusterId, pki, tokens };
}
