/**
 * The knobs of one simulated run, drawn from its seed so that every seed explores a different mix
 * of cluster size, flow-control limits, snapshot cadence and fault rates.
 *
 * @module
 */

/** Time units per tick: messages take 1..maxDelay units, so usually less than a tick. */
export const TICK = 10;

export interface SimParams {
  readonly members: number;
  readonly electionTick: number;
  readonly heartbeatTick: number;
  readonly maxSizePerMsg: number;
  readonly maxInflightMsgs: number;
  readonly snapshotChunkSize: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Applied entries between snapshots (0: never snapshot). */
  readonly snapshotEvery: number;
  /** Entries kept below a snapshot when compacting. */
  readonly keepEntries: number;
  /** Ticks of the fault phase, before everything heals. */
  readonly faultTicks: number;
  readonly dropRate: number;
  readonly dupRate: number;
  readonly maxDelay: number;
  /** Probability per tick of each kind of fault event. */
  readonly crashRate: number;
  readonly partitionRate: number;
  readonly proposeRate: number;
  readonly confChangeRate: number;
  /** Probability that handling one Ready crashes the member part-way. */
  readonly midReadyCrash: number;
  /** Whether a member removed from the configuration is stopped once the removal applies. */
  readonly retireRemoved: boolean;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export function randomParams(random: () => number): SimParams {
  const flags = random();
  const preVote = flags < 0.8 || flags >= 0.9 && flags < 0.95;
  const checkQuorum = flags < 0.9;
  return {
    members: pick(random, [3, 3, 3, 5, 5, 7]),
    electionTick: 10,
    heartbeatTick: pick(random, [1, 2, 3]),
    maxSizePerMsg: pick(random, [20, 40, 200, 4096]),
    maxInflightMsgs: pick(random, [1, 2, 4, 64]),
    snapshotChunkSize: pick(random, [16, 100, 4096]),
    preVote,
    checkQuorum,
    snapshotEvery: pick(random, [0, 5, 12, 40]),
    keepEntries: pick(random, [0, 3, 20]),
    faultTicks: 100 + Math.floor(random() * 150),
    dropRate: pick(random, [0, 0.02, 0.1, 0.3]),
    dupRate: pick(random, [0, 0.02, 0.1]),
    maxDelay: pick(random, [3, 8, 25]),
    crashRate: pick(random, [0, 0.01, 0.03]),
    partitionRate: pick(random, [0, 0.01, 0.04, 0.15]),
    proposeRate: pick(random, [0.2, 0.6]),
    confChangeRate: pick(random, [0, 0.02, 0.06]),
    midReadyCrash: pick(random, [0, 0.001, 0.005]),
    retireRemoved: !(preVote || checkQuorum) || random() < 0.5,
  };
}

export function describeParams(p: SimParams): string {
  return `${p.members} members, election/heartbeat ${p.electionTick}/${p.heartbeatTick} ticks, ` +
    `maxSize ${p.maxSizePerMsg}, inflight ${p.maxInflightMsgs}, chunk ${p.snapshotChunkSize}, ` +
    `preVote ${p.preVote}, checkQuorum ${p.checkQuorum}, snapshot every ${p.snapshotEvery} ` +
    `keep ${p.keepEntries}, ${p.faultTicks} fault ticks: drop ${p.dropRate} dup ${p.dupRate} ` +
    `delay<=${p.maxDelay} crash ${p.crashRate} partition ${p.partitionRate} ` +
    `propose ${p.proposeRate} conf ${p.confChangeRate} midReady ${p.midReadyCrash} ` +
    `retire ${p.retireRemoved}`;
}
