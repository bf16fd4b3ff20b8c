/**
 * A node's certificate files on disk — the thin IO shell around the pure parts of `pki/`.
 *
 * Layout under a node's state directory:
 *
 * ```text
 * <stateDir>/certificates/            mode 0700
 *   swarm-node.crt                    node certificate chain, 0644
 *   swarm-node.key                    node private key, 0600 (PKCS#8, or encrypted with the KEK)
 *   swarm-root-ca.crt                 trusted root CA certificate(s), 0644
 * ```
 *
 * Every file is written atomically: a temporary file created with its final mode, written,
 * synced, then renamed over the old one, then the directory is synced. A set of files is written
 * as temporaries first and renamed together (key, then certificate, then root), so a crash leaves
 * at most a narrow window where the key is new and the certificate old; {@link readNodeFiles}
 * detects that pair and reports it as a {@link KeyMismatchError}.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { cryptoRandomBytes, toHex } from "./_bytes.ts";
import { IncompleteNodeFilesError, LockedError } from "./errors.ts";
import { decryptKeyPem, encryptKeyPem, isEncryptedKeyPem } from "./key_encryption.ts";
import { assertKeyMatchesCertificate } from "./keys.ts";

/** Name of the directory under the state directory. */
export const CERTIFICATES_DIR = "certificates";
/** File name of the node certificate (chain). */
export const NODE_CERT_FILE = "swarm-node.crt";
/** File name of the node private key. */
export const NODE_KEY_FILE = "swarm-node.key";
/** File name of the trusted root CA certificate(s). */
export const ROOT_CA_FILE = "swarm-root-ca.crt";

/** Mode of the private key file. */
export const KEY_FILE_MODE = 0o600;
/** Mode of the certificate files. */
export const CERT_FILE_MODE = 0o644;
/** Mode of the certificates directory. */
export const CERTIFICATES_DIR_MODE = 0o700;

/** Where a node's certificate files live. */
export interface NodeFilePaths {
  /** The certificates directory. */
  readonly dir: string;
  /** The node certificate. */
  readonly cert: string;
  /** The node private key. */
  readonly key: string;
  /** The trusted root CA certificate(s). */
  readonly rootCA: string;
}

/** The paths of a node's certificate files under `stateDir`. */
export function nodeFilePaths(stateDir: string): NodeFilePaths {
  const dir = join(stateDir, CERTIFICATES_DIR);
  return {
    dir,
    cert: join(dir, NODE_CERT_FILE),
    key: join(dir, NODE_KEY_FILE),
    rootCA: join(dir, ROOT_CA_FILE),
  };
}

/** A node's TLS material, PEM. */
export interface NodeFiles {
  /** The node certificate (chain). */
  readonly certPem: string;
  /** The node's unencrypted PKCS#8 private key. */
  readonly keyPem: string;
  /** The trusted root CA certificate(s). */
  readonly rootPem: string;
}

/** Options of {@link writeNodeFiles} and {@link writeNodeKeyAndCert}. */
export interface WriteKeyOptions {
  /**
   * When given (32 bytes, the unlock key), the private key is encrypted with it at rest.
   * @default undefined (the key is stored unencrypted, mode 0600)
   */
  readonly kek?: Uint8Array;
}

/** Options of {@link readNodeFiles}. */
export interface ReadKeyOptions {
  /**
   * The unlock key, needed when the private key is stored encrypted.
   * @default undefined
   */
  readonly kek?: Uint8Array;
}

/** What {@link readNodeFiles} returns. */
export interface ReadNodeFilesResult extends NodeFiles {
  /** Whether the private key was stored encrypted. */
  readonly keyWasEncrypted: boolean;
}

/**
 * Writes `data` to `path` atomically with `mode` set when the file is created.
 * The directory must exist.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  await Deno.rename(tmp, path);
  await syncDir(dirname(path));
}

/** Writes the node certificate, private key and root CA certificate (see the module doc). */
export async function writeNodeFiles(
  stateDir: string,
  files: NodeFiles,
  options: WriteKeyOptions = {},
): Promise<void> {
  const paths = nodeFilePaths(stateDir);
  await writeSet(paths, [
    [paths.key, await keyFileContent(files.keyPem, options.kek), KEY_FILE_MODE],
    [paths.cert, files.certPem, CERT_FILE_MODE],
    [paths.rootCA, files.rootPem, CERT_FILE_MODE],
  ]);
}

/** Writes a renewed certificate with its key, leaving the root CA file alone. */
export async function writeNodeKeyAndCert(
  stateDir: string,
  files: Omit<NodeFiles, "rootPem">,
  options: WriteKeyOptions = {},
): Promise<void> {
  const paths = nodeFilePaths(stateDir);
  await writeSet(paths, [
    [paths.key, await keyFileContent(files.keyPem, options.kek), KEY_FILE_MODE],
    [paths.cert, files.certPem, CERT_FILE_MODE],
  ]);
}

/** Writes the trusted root CA certificate(s) alone (a joiner does this before it has a cert). */
export async function writeRootCAFile(stateDir: string, rootPem: string): Promise<void> {
  const paths = nodeFilePaths(stateDir);
  await writeSet(paths, [[paths.rootCA, rootPem, CERT_FILE_MODE]]);
}

/** Reads the trusted root CA certificate(s), or null when the file does not exist. */
export async function readRootCAFile(stateDir: string): Promise<string | null> {
  return await readIfExists(nodeFilePaths(stateDir).rootCA);
}

/**
 * Reads a node's certificate, key and root CA. Returns null when none of the three files exists
 * (the node has not joined a cluster).
 *
 * @throws {IncompleteNodeFilesError} when some but not all files exist.
 * @throws {LockedError} when the key is encrypted and no `kek` was given.
 * @throws {WrongUnlockKeyError} when `kek` does not decrypt the key.
 * @throws {KeyMismatchError} when the key does not belong to the certificate.
 */
export async function readNodeFiles(
  stateDir: string,
  options: ReadKeyOptions = {},
): Promise<ReadNodeFilesResult | null> {
  const paths = nodeFilePaths(stateDir);
  const [certPem, storedKey, rootPem] = await Promise.all([
    readIfExists(paths.cert),
    readIfExists(paths.key),
    readIfExists(paths.rootCA),
  ]);
  if (certPem === null && storedKey === null && rootPem === null) return null;
  if (certPem === null || storedKey === null || rootPem === null) {
    const missing = [
      [paths.cert, certPem],
      [paths.key, storedKey],
      [paths.rootCA, rootPem],
    ].filter(([, content]) => content === null).map(([path]) => path ?? "");
    throw new IncompleteNodeFilesError(missing);
  }
  const keyWasEncrypted = isEncryptedKeyPem(storedKey);
  let keyPem = storedKey;
  if (keyWasEncrypted) {
    if (options.kek === undefined) throw new LockedError();
    keyPem = await decryptKeyPem(storedKey, options.kek);
  }
  await assertKeyMatchesCertificate(keyPem, certPem);
  return { certPem, keyPem, rootPem, keyWasEncrypted };
}

/** Removes the certificates directory and everything in it (e.g. when a node leaves). */
export async function removeNodeFiles(stateDir: string): Promise<void> {
  try {
    await Deno.remove(nodeFilePaths(stateDir).dir, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}

async function keyFileContent(keyPem: string, kek: Uint8Array | undefined): Promise<string> {
  return kek === undefined ? keyPem : await encryptKeyPem(keyPem, kek);
}

/** Writes every file to a temporary first, then renames them in order, then syncs the dir. */
async function writeSet(
  paths: NodeFilePaths,
  files: readonly (readonly [path: string, data: string, mode: number])[],
): Promise<void> {
  await Deno.mkdir(paths.dir, { recursive: true, mode: CERTIFICATES_DIR_MODE });
  const temps: string[] = [];
  try {
    for (const [path, data, mode] of files) temps.push(await writeTemp(path, data, mode));
    for (const [i, [path]] of files.entries()) await Deno.rename(temps[i]!, path);
  } catch (err) {
    await Promise.all(temps.map((t) => Deno.remove(t).catch(() => {})));
    throw err;
  }
  await syncDir(paths.dir);
}

async function writeTemp(path: string, data: string, mode: number): Promise<string> {
  const tmp = `${path}.tmp-${toHex(cryptoRandomBytes(6))}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    const bytes = new TextEncoder().encode(data);
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    await file.syncData();
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  file.close();
  return tmp;
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch {
    // Some platforms cannot open or sync a directory; the rename is still atomic there.
  }
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
}
