/**
 * A minimal ustar (POSIX.1-1988) writer: regular files only, enough to hand a container its
 * secret and config files through the Docker Engine API (`PUT /containers/{id}/archive`).
 * Directories are not written: the engine creates missing parents itself (mode 0755, root).
 *
 * @module
 */

/** One regular file of an archive. */
export interface TarFile {
  /** Relative path, `/`-separated, at most 255 bytes (a 155-byte prefix and a 100-byte name). */
  readonly path: string;
  readonly data: Uint8Array;
  /** Permission bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Modification time, seconds since the epoch. @default 0 */
  readonly mtime?: number;
}

const BLOCK = 512;
/** Largest value of an 8-byte octal field (7 digits). */
const MAX_ID = 0o7777777;
const enc = new TextEncoder();

/** The archive of `files`, in order. Throws `RangeError` for a path or owner ustar cannot hold. */
export function encodeTar(files: readonly TarFile[]): Uint8Array {
  const size = files.reduce((n, f) => n + BLOCK + padded(f.data.length), 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of files) {
    out.set(header(f), at);
    at += BLOCK;
    out.set(f.data, at);
    at += padded(f.data.length);
  }
  return out; // ends with two zero blocks
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

function header(f: TarFile): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const [prefix, name] = splitPath(f.path);
  for (const [field, value] of [["uid", f.uid], ["gid", f.gid]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_ID) {
      throw new RangeError(`Invalid ${field} for ${f.path}: ${value}: use 0 to ${MAX_ID}`);
    }
  }
  h.set(name, 0);
  octal(h, 100, 8, f.mode & 0o7777);
  octal(h, 108, 8, f.uid);
  octal(h, 116, 8, f.gid);
  octal(h, 124, 12, f.data.length);
  octal(h, 136, 12, Math.max(0, Math.floor(f.mtime ?? 0)));
  h.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  h[156] = 0x30; // '0': regular file
  h.set(enc.encode("ustar\u0000"), 257);
  h.set(enc.encode("00"), 263);
  h.set(prefix, 345);
  const sum = h.reduce((a, b) => a + b, 0);
  octal(h, 148, 7, sum); // six digits and a NUL, then the space already there
  return h;
}

/** Writes `value` as zero-padded octal digits and a NUL into `size` bytes at `at`. */
function octal(h: Uint8Array, at: number, size: number, value: number): void {
  h.set(enc.encode(`${value.toString(8).padStart(size - 1, "0")}\u0000`), at);
}

/** `[prefix, name]` bytes of a path: the name takes up to 100 bytes, the prefix up to 155. */
function splitPath(path: string): [Uint8Array, Uint8Array] {
  const bytes = enc.encode(path);
  if (path === "" || path.startsWith("/")) {
    throw new RangeError(`Invalid archive path ${JSON.stringify(path)}: give a relative path`);
  }
  if (bytes.length <= 100) return [new Uint8Array(), bytes];
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) {
    const prefix = enc.encode(path.slice(0, i));
    const name = enc.encode(path.slice(i + 1));
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return [prefix, name];
  }
  throw new RangeError(
    `Path too long for a tar archive: ${path}: at most 255 bytes, and a last part of at most 100`,
  );
}
