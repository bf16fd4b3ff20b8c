/**
 * The worker's execution layer: task types, the executor seam, the pure task step function and the
 * loop that drives it, and the executors.
 *
 * - {@linkcode nextStep} / {@linkcode applyResult}: SwarmKit's `exec.Do` as a pure function.
 * - {@linkcode TaskRunner}: drives one task through a {@linkcode Controller}.
 * - {@linkcode ProcessExecutor}: runs tasks as local processes (the embedded default).
 * - {@linkcode DockerExecutor}: runs tasks as containers on a Docker engine (dockerode, loaded on
 *   first use).
 * - {@linkcode FakeExecutor}: a scriptable in-memory executor for tests (`fake exit=3 after=50`).
 *
 * The shared executor conformance suite is a test utility and lives outside this module:
 * `worker/executor_conformance.ts` (`runExecutorConformance`).
 *
 * @module
 */

export {
  DEFAULT_STOP_GRACE_PERIOD_MS,
  DEFAULT_STOP_SIGNAL,
  isTaskState,
  isTerminalState,
  type ObservedStatus,
  TASK_STATES,
  type TaskFile,
  type TaskRuntime,
  TaskState,
  taskStateName,
} from "./types.ts";
export {
  type Controller,
  ControllerClosedError,
  type ControllerInspection,
  errorMessage,
  type Executor,
  ExecutorError,
  type ExitCoder,
  type ExitResult,
  isExitCoder,
  isTemporary,
  type NodeDescriptionInfo,
  type NodeResources,
  nonZeroExitMessage,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
  TaskExitError,
  type TaskLogs,
  TaskNotStartedError,
  TaskRejectedError,
  TemporaryError,
} from "./executor.ts";
export {
  applyResult,
  controllerFailedStatus,
  type ControllerStep,
  nextStep,
  type NoopStep,
  sameStatus,
  type Step,
  type StepResult,
  type TaskView,
  type TransitionStep,
} from "./task_step.ts";
export { TaskRunner, type TaskRunnerOptions } from "./task_runner.ts";
export { ProcessExecutor, type ProcessExecutorOptions } from "./process_executor.ts";
export type { ProcessController } from "./process_controller.ts";
export { DEFAULT_PATH } from "./process_spec.ts";
export {
  DEFAULT_DOCKER_NETWORK,
  type DockerConnectOptions,
  DockerExecutor,
  type DockerExecutorOptions,
} from "./docker_executor.ts";
export type { DockerController } from "./docker_controller.ts";
export { DockerApiError, type DockerEngine, DockerUnreachableError } from "./docker_engine.ts";
export { DockerHostError } from "./docker_host.ts";
export { DOCKER_LABELS } from "./docker_spec.ts";
export { parseSignal, signalNumber } from "./signals.ts";
export {
  FakeController,
  FakeExecutor,
  type FakeExecutorOptions,
  type FakeOp,
} from "./fake_executor.ts";
export {
  FAKE_COMMAND,
  type FakeScript,
  fakeScriptFromCommand,
  parseFakeCommand,
} from "./fake_script.ts";
export { type Clock, ManualClock, realClock, type TimerId } from "./fake_clock.ts";
