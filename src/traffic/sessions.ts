import type { Scenario } from '../workload/scenario.js';
import type { Simulation } from '../engine/Simulation.js';
import type { Outcome } from '../metrics/HourlyMetrics.js';
import type { Request } from '../serving/request.js';
import { PRIORITY } from '../serving/Replica.js';
import { stream } from '../random/streams.js';
import { exponential } from '../random/sample.js';
import { tokenSampler, type TokenSampler } from './tokenSampler.js';
import type { Arrival } from './requestSource.js';
import { Session } from './session.js';

/** summary.json `sessions` (docs/cli.md): what the conversations did. */
export interface SessionSummary {
  /** Sessions started (open loop: at `rate`; closed loop: one after another per user). */
  started: number;
  /** Turns sent, first turns included. */
  turns: number;
  /** Sessions ended early by a dropped turn (the user gives up). */
  abandoned: number;
  /** Turns whose context was cut to fit the model's context length. */
  truncated_turns: number;
  /** Prompt tokens of all turns, and of those the context carried from earlier turns. */
  prompt_tokens: number;
  carried_tokens: number;
  /** carried_tokens / prompt_tokens. */
  carried_share: number | null;
  /** Prompt tokens of the turns served from the prefix cache, over prompt_tokens. */
  prefix_hit_share: number | null;
  /**
   * `session_affinity`: later turns routed while their previous turn's replica was known, and the
   * share of them sent back to it; null under other routers.
   */
  affinity_turns: number | null;
  affinity_kept_share: number | null;
}

/**
 * Multi-turn conversations (`classes[].session`): a request of a session class starts a session
 * (open loop: sessions start at `rate`; closed loop: a user's request starts one and the user
 * waits for its last turn); each turn's end schedules the next `think_time` after its last
 * token. A dropped turn ends its session: the user gives up (abandoned), and a closed-loop user
 * thinks and starts another.
 *
 * Randomness: each session's script is drawn when it starts from the streams
 * `session-turns:<class>`, `session-prompt:<class>`, `session-output:<class>` and
 * `session-think:<class>` (the first turn's lengths come from the ordinary `prompt:<class>` and
 * `output:<class>`).
 */
export class Sessions {
  private started = 0;
  private turns = 0;
  private abandoned = 0;
  private truncatedTurns = 0;
  private promptTokens = 0;
  private carriedTokens = 0;
  private prefixHitTokens = 0;
  private affinityTurns = 0;
  private affinityKept = 0;
  /** Prefix-cache keys of session contexts: below the class keys (-1 - class index). */
  private lastKey: number;
  private readonly draw: ({ turns: TokenSampler; prompt: TokenSampler; output: TokenSampler; think: () => number } | null)[];
  /** Per class: prompt + output fit in this many tokens (its pool's model context length). */
  private readonly contextLimit: number[];
  private readonly newKey = () => --this.lastKey;

  constructor(
    private readonly scenario: Scenario,
    private readonly sim: Simulation,
    private readonly horizonS: number,
    /** Sends a turn into the serving path. */
    private readonly send: (a: Arrival) => number,
  ) {
    const seed = scenario.seed;
    this.lastKey = -1 - scenario.classes.length;
    this.draw = scenario.classes.map((c) => {
      const spec = c.session;
      if (spec === undefined) return null;
      const think = stream(seed, `session-think:${c.name}`);
      const mean = spec.thinkTime.meanS;
      return {
        turns: tokenSampler(spec.turns, stream(seed, `session-turns:${c.name}`)),
        prompt: tokenSampler(c.promptTokens!, stream(seed, `session-prompt:${c.name}`)),
        output: tokenSampler(c.outputTokens!, stream(seed, `session-output:${c.name}`)),
        think: spec.thinkTime.dist === 'exponential' && mean > 0 ? () => exponential(think, mean) : () => mean,
      };
    });
    this.contextLimit = scenario.classes.map((c) => {
      const pool = scenario.pools.find((p) => p.serves.includes(c.name));
      return pool?.model.contextTokens ?? Infinity;
    });
  }

  /** Whether any class has sessions. */
  static used(scenario: Scenario): boolean {
    return scenario.classes.some((c) => c.session !== undefined);
  }

  /** A new request of a session class starts a session (attached to the arrival); others pass. */
  begin(a: Arrival): Arrival {
    const d = this.draw[a.classIndex];
    if (d === null) return a;
    const turns = d.turns();
    const script = new Float64Array(3 * (turns - 1));
    for (let i = 0; i < turns - 1; i++) {
      script[3 * i] = d.prompt();
      script[3 * i + 1] = d.output();
      script[3 * i + 2] = d.think();
    }
    this.started++;
    a.session = new Session(a.classIndex, turns, script, this.contextLimit[a.classIndex], this.newKey(), this.newKey);
    return a;
  }

  /**
   * A turn ended (`atS`: its last token, or its drop). Schedules the next turn and returns true,
   * or returns false when the session is over (last turn, dropped turn, or past the horizon).
   */
  ended(r: Request, outcome: Outcome, atS: number): boolean {
    const s = r.session as Session;
    this.turns++;
    this.promptTokens += r.promptTokens;
    this.carriedTokens += r.carriedTokens;
    this.prefixHitTokens += r.prefixHitTokens;
    if (r.affinityKept >= 0) {
      this.affinityTurns++;
      this.affinityKept += r.affinityKept;
    }
    if (outcome === 'dropped') this.abandoned++;
    s.contextTokens = r.promptTokens + r.outputTokens;
    const next = s.turn + 1;
    const at = next <= s.turns ? atS + s.thinkS(next) : Infinity;
    if (outcome === 'dropped' || at >= this.horizonS) {
      this.truncatedTurns += s.truncatedTurns;
      return false;
    }
    s.turn = next;
    this.sim.at(at, () => {
      this.send({ time: at, classIndex: s.classIndex, promptTokens: s.messageTokens(next), outputTokens: s.outputTokens(next), hashIds: null, session: s });
    }, PRIORITY.arrival);
    return true;
  }

  summary(): SessionSummary {
    const share = (n: number) => (this.promptTokens > 0 ? n / this.promptTokens : null);
    const affinity = this.scenario.serving.router === 'session_affinity';
    return {
      started: this.started,
      turns: this.turns,
      abandoned: this.abandoned,
      truncated_turns: this.truncatedTurns,
      prompt_tokens: this.promptTokens,
      carried_tokens: this.carriedTokens,
      carried_share: share(this.carriedTokens),
      prefix_hit_share: share(this.prefixHitTokens),
      affinity_turns: affinity ? this.affinityTurns : null,
      affinity_kept_share: affinity && this.affinityTurns > 0 ? this.affinityKept / this.affinityTurns : null,
    };
  }
}
