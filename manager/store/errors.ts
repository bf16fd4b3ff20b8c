/** Errors the store raises for conditions its callers handle. */

/** An update carried a version other than the stored one: someone else wrote first. */
export class SequenceConflictError extends Error {
  override readonly name = "SequenceConflictError";
  constructor(kind: string, id: string) {
    super(
      `Update out of sequence: ${kind} ${id} changed since it was read; read it again and retry`,
    );
  }
}

/** A create or rename collides with an existing object's name (case-insensitive). */
export class NameConflictError extends Error {
  override readonly name = "NameConflictError";
  constructor(kind: string, name: string) {
    super(`A ${kind} named "${name}" already exists: choose another name or remove it first`);
  }
}

/** The object a write refers to does not exist (anymore). */
export class ObjectNotFoundError extends Error {
  override readonly name = "ObjectNotFoundError";
  constructor(kind: string, id: string) {
    super(`No such ${kind}: ${id}`);
  }
}

/** A create used an ID that is taken. */
export class IdConflictError extends Error {
  override readonly name = "IdConflictError";
  constructor(kind: string, id: string) {
    super(`A ${kind} with ID ${id} already exists`);
  }
}
