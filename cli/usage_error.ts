/**
 * UsageError: the command line itself is wrong. The client prints it with a pointer to the
 * command's help and exits with status 2, before anything is sent to the manager.
 *
 * @module
 */

/** A mistake in the command line: an unknown flag or command, or a bad flag value. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The command whose help to point at, e.g. "swarm service create". */
  readonly command: string;

  constructor(message: string, command = "swarm", options?: ErrorOptions) {
    super(message, options);
    this.command = command;
  }
}
