/**
 * Test support: a real {@link Manager} on a test PKI (`pki/testing.ts`), listening on loopback.
 * Not for production use.
 *
 * ```ts
 * const pki = await createTestPki();
 * const me = await pki.issue({ role: "manager", nodeId: "m1" });
 * const manager = await startTestManager(pki, { identity: me, stateDir: await Deno.makeTempDir() });
 * ```
 *
 * @module
 */
import { generateJoinToken } from "../pki/mod.ts";
import type { TestNodeIdentity, TestPki } from "../pki/testing.ts";
import { Manager, type ManagerOptions } from "./manager.ts";
import { newId } from "./identity.ts";

/** Who a test manager is and where it runs. */
export interface TestManagerOptions {
  /** Issued by the test PKI: its node ID is the manager's node ID and hostname. */
  readonly identity: TestNodeIdentity;
  readonly stateDir: string;
  /**
   * Listen and advertise at `127.0.0.1:<port>`.
   * @default listen on a free port, advertise `127.0.0.1:1` (for a manager no peer dials)
   */
  readonly port?: number;
}

/**
 * The options of a manager of the test PKI's cluster that does not found it (no root CA): add
 * `join` to make it join one.
 */
export function testManagerOptions(pki: TestPki, o: TestManagerOptions): ManagerOptions {
  return {
    stateDir: o.stateDir,
    nodeId: o.identity.nodeId,
    clusterId: pki.clusterId,
    hostname: o.identity.nodeId,
    listenAddr: `127.0.0.1:${o.port ?? 0}`,
    advertiseAddr: `127.0.0.1:${o.port ?? 1}`,
    controlSocket: `${o.stateDir}/swarm.sock`,
    tls: o.identity,
    version: "test",
    newId: () => newId(),
  };
}

/** The test PKI's root CA as a founding manager takes it, with fresh join tokens. */
export function testRootCA(pki: TestPki): NonNullable<ManagerOptions["rootCA"]> {
  return {
    certPem: pki.root.certPem,
    keyPem: pki.root.keyPem,
    digest: [...pki.rootDigest].map((b) => b.toString(16).padStart(2, "0")).join(""),
    joinTokens: {
      worker: generateJoinToken(pki.rootDigest),
      manager: generateJoinToken(pki.rootDigest),
    },
  };
}

/**
 * Starts a manager that founds the test PKI's cluster; `extra` adds to (or overrides) its
 * {@link ManagerOptions}.
 */
export function startTestManager(
  pki: TestPki,
  o: TestManagerOptions,
  extra: Partial<ManagerOptions> = {},
): Promise<Manager> {
  return Manager.start({ ...testManagerOptions(pki, o), rootCA: testRootCA(pki), ...extra });
}
