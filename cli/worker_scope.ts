/** The global scope of a Worker, typed: the project type-checks as a main-thread program. */
export interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

export const workerScope = self as unknown as WorkerScope;
