/**
 * One conversation (`classes[].session`): its script, drawn when it starts, and where it is.
 *
 * Turn 1 is the request that started it. Turn k > 1's prompt is the context so far (every earlier
 * prompt and output) plus a new message; when prompt + output would exceed the model's context
 * length, the oldest context is cut (as chat clients drop the oldest messages) so that they fit:
 * the kept context is then no longer a prefix of what a replica holds, so the session's
 * prefix-cache key changes (`key`) and that turn finds nothing resident. A new message that does
 * not fit with its output even alone is sent whole, with no context.
 *
 * The script (turn count, and each later turn's message, output and think time) is drawn at the
 * start from the session streams, so a session says the same whatever the service does (the same
 * sessions under two routers).
 */
export class Session {
  /** The turn sent last, 1-based. */
  turn = 1;
  /** Context so far: prompts and outputs of the finished turns (after the last cut), tokens. */
  contextTokens = 0;
  /** The replica (its index in the pool) that took its last turn, or -1 (session_affinity). */
  replica = -1;
  /** Request id of its first turn (a closed-loop user waits for the whole session). */
  firstRequestId = -1;
  /** Turns whose context was cut to fit the context length. */
  truncatedTurns = 0;

  constructor(
    readonly classIndex: number,
    /** Turns in the session, at least 1. */
    readonly turns: number,
    /** Per later turn k = 2..turns, at index k - 2: [message tokens, output tokens, think seconds] x 3. */
    private readonly script: Float64Array,
    /** Prompt + output fit in this many tokens (the model's context length; Infinity: no limit). */
    private readonly contextLimit: number,
    /** Prefix-cache key of its context (negative, unique to the session). */
    public key: number,
    /** Hands out a fresh key when a cut breaks the context's prefix chain. */
    private readonly newKey: () => number,
  ) {}

  /** Turn k's new message, as the user sends it (before retrieval and compression). */
  messageTokens(turn: number): number {
    return this.script[3 * (turn - 2)];
  }

  outputTokens(turn: number): number {
    return this.script[3 * (turn - 2) + 1];
  }

  /** The pause before turn k, after turn k - 1's last token. */
  thinkS(turn: number): number {
    return this.script[3 * (turn - 2) + 2];
  }

  /**
   * The context the current turn carries in front of its new message (`messageTokens` after
   * retrieval and compression), cut to fit the context length with its output. Turn 1 carries 0.
   */
  carry(messageTokens: number, outputTokens: number): number {
    if (this.turn === 1) return 0;
    const room = Math.max(0, this.contextLimit - outputTokens - messageTokens);
    if (this.contextTokens > room) {
      this.truncatedTurns++;
      this.contextTokens = room;
      this.key = this.newKey();
    }
    return this.contextTokens;
  }
}
