/**
 * The flags of `swarm service create` and `swarm service update`, and their help text.
 *
 * @module
 */

import type { FlagDefs } from "../../args.ts";

const str = { type: "string" } as const;
const strs = { type: "string", multiple: true } as const;
const bool = { type: "boolean" } as const;

/** Flags both create and update take. */
export const SHARED_SPEC_FLAGS: FlagDefs = {
  replicas: str,
  "max-concurrent": str,
  image: str,
  env: strs,
  workdir: str,
  label: strs,
  "restart-condition": str,
  "restart-delay": str,
  "restart-max-attempts": str,
  "restart-window": str,
  "stop-signal": str,
  "stop-grace-period": str,
  constraint: strs,
  "placement-pref": strs,
  "replicas-max-per-node": str,
  "reserve-cpu": str,
  "reserve-memory": str,
  "limit-cpu": str,
  "limit-memory": str,
  secret: strs,
  config: strs,
  "update-parallelism": str,
  "update-delay": str,
  "update-failure-action": str,
  "update-monitor": str,
  "update-max-failure-ratio": str,
  "update-order": str,
  "rollback-parallelism": str,
  "rollback-delay": str,
  "rollback-failure-action": str,
  "rollback-monitor": str,
  "rollback-max-failure-ratio": str,
  "rollback-order": str,
};

/** Flags of `swarm service create`. */
export const CREATE_FLAGS: FlagDefs = {
  ...SHARED_SPEC_FLAGS,
  name: str,
  mode: str,
};

/** Flags of `swarm service update`. */
export const UPDATE_FLAGS: FlagDefs = {
  ...SHARED_SPEC_FLAGS,
  "env-add": strs,
  "env-rm": strs,
  "label-add": strs,
  "label-rm": strs,
  "constraint-add": strs,
  "constraint-rm": strs,
  "secret-add": strs,
  "secret-rm": strs,
  "config-add": strs,
  "config-rm": strs,
  force: bool,
  rollback: bool,
};

/** Help lines for the shared flags. */
export const SHARED_SPEC_HELP =
  `      --replicas N                  Number of tasks (replicated) or completions (replicated-job)
      --max-concurrent N            Tasks a replicated job runs at once (default --replicas)
      --image IMAGE                 Run a container image with the Docker executor
                                    (the command after -- then overrides its CMD)
      --workdir DIR                 Working directory of the command
      --stop-signal SIGNAL          Signal to stop tasks with (default SIGTERM)
      --stop-grace-period DURATION  Time before a stopping task is killed (default 10s)
      --restart-condition WHEN      none, on-failure or any (default any; jobs: on-failure,
                                    and a completed job task never restarts)
      --restart-delay DURATION      Delay between restarts (default 5s)
      --restart-max-attempts N      Restarts before giving up (default 0: unlimited)
      --restart-window DURATION     Window used to count restart attempts
      --constraint EXPR             Placement constraint, e.g. node.role==worker (repeatable)
      --placement-pref PREF         Spread preference, e.g. spread=node.labels.zone (repeatable)
      --replicas-max-per-node N     Most tasks per node (default 0: no limit)
      --reserve-cpu CPUS            CPUs to reserve, e.g. 0.5
      --reserve-memory SIZE         Memory to reserve, e.g. 64MiB
      --limit-cpu CPUS              CPU limit
      --limit-memory SIZE           Memory limit, e.g. 1g
      --secret SECRET               Give tasks a secret: NAME or source=NAME,target=FILE,mode=0400
      --config CONFIG               Give tasks a config: NAME or source=NAME,target=FILE,mode=0444
      --update-parallelism N        Tasks replaced at once (default 1, 0: all at once);
                                    the --update-* and --rollback-* flags are not for jobs
      --update-delay DURATION       Wait after a batch runs before the next (default 0s)
      --update-failure-action WHAT  When a new task fails: pause, continue or rollback
                                    (default pause)
      --update-monitor DURATION     How long after it starts a new task's failure counts
                                    (default 5s)
      --update-max-failure-ratio R  Share of failed tasks to tolerate, 0 to 1 (default 0)
      --update-order ORDER          stop-first or start-first: start-first keeps the old
                                    task until the new one runs (default stop-first)
      --rollback-parallelism N      The same settings for rollbacks: --rollback-delay,
      --rollback-...                --rollback-failure-action, --rollback-monitor,
                                    --rollback-max-failure-ratio, --rollback-order
`;
