import { before, EventQueue, type SimEvent } from './EventQueue.js';
import { DelayLane } from './DelayLane.js';

/**
 * The discrete-event core: a clock and a queue of timed callbacks.
 *
 * `schedule` puts an action `delay` seconds ahead; `step` runs the earliest one; `run` loops
 * until the queue is empty or the next event lies beyond `until`. Events at the same time run by
 * `priority` (lower first), then in the order they were scheduled. All state, including the
 * sequence counter, belongs to the instance: many simulations can share a thread.
 *
 * @example
 * const sim = new Simulation();
 * sim.schedule(2, () => log.push(sim.now));
 * sim.run(); // log = [2]
 */
export class Simulation {
  /** Simulated time, seconds. */
  now = 0;
  /** Events executed so far. */
  eventsRun = 0;
  /** `run` returned because an event called `pause()`. */
  paused = false;
  private readonly queue = new EventQueue();
  private seq = 0;
  /** The held event (`hold`), kept beside the heap, or null. */
  private held: QueuedEvent | null = null;
  /** The object `hold` reuses once its event has run. */
  private spare: QueuedEvent | null = null;
  /** Fixed-delay event streams kept beside the heap (`lane`). */
  private readonly lanes: DelayLane<never>[] = [];
  /**
   * The heap event whose action is running, or null. It stays at its place in the heap while it
   * runs (though no longer pending), so that `again` from its action is one sift from there
   * instead of a pop and a push; `step` takes it out after its action when `again` did not.
   */
  private running: QueuedEvent | null = null;

  /**
   * @throws RangeError on a negative or non-finite delay
   */
  schedule(delay: number, action: () => void, priority = 0): SimEvent {
    if (!(delay >= 0) || delay === Infinity) throw new RangeError(`Negative or non-finite delay ${delay}`);
    return this.push(this.now + delay, action, priority);
  }

  /**
   * Schedules at an absolute time, which must not lie in the past.
   * @throws RangeError when `time < now`
   */
  at(time: number, action: () => void, priority = 0): SimEvent {
    if (!(time >= this.now) || time === Infinity) throw new RangeError(`Time ${time} is before now (${this.now})`);
    return this.push(time, action, priority);
  }

  /**
   * Schedules like `at`, for a stream that has one event pending at a time (the arrivals, each
   * scheduling the next when it runs): the event is kept beside the heap instead of in it, and runs
   * exactly where `at` would have put it, since it takes its sequence number now and `step` takes
   * whichever of it and the heap's top comes first in the (time, priority, seq) order. Saves a heap
   * push and pop, and an object, per event. It cannot be cancelled.
   * @throws Error when an event is already held; RangeError when `time < now`
   */
  hold(time: number, action: () => void, priority = 0): void {
    if (!(time >= this.now) || time === Infinity) throw new RangeError(`Time ${time} is before now (${this.now})`);
    if (this.held !== null) throw new Error('Simulation.hold: an event is already held');
    const event = this.spare ?? new QueuedEvent(0, 0, 0, noAction);
    this.spare = null;
    event.time = time;
    event.priority = priority;
    event.seq = this.seq++;
    event.action = action;
    this.held = event;
  }

  /**
   * Schedules an event that has run (`step` returned from its action, or it is the one running
   * now) once more, at an absolute time, with its action and priority: the same order as `at`
   * (it takes its sequence number now), without a new object. For an owner with one event pending
   * at a time (a replica's run boundary). Called from the event's own action (the event still sits
   * in the heap, see `running`), it moves the event from there: the same key as a pop and a push,
   * so the same order (keys are unique by `seq`), with one sift instead of two.
   * @throws Error when the event is still in the queue (cancelled or not); RangeError when `time < now`
   */
  again(event: SimEvent, time: number): SimEvent {
    if (!(time >= this.now) || time === Infinity) throw new RangeError(`Time ${time} is before now (${this.now})`);
    const e = event as QueuedEvent;
    if (e === this.running) {
      this.running = null;
      e.time = time;
      e.seq = this.seq++;
      e.cancelled = false;
      // Its key only grew (time >= its old time, now; a newer seq): it can only move down.
      this.queue.sink(e);
      return e;
    }
    if (this.queue.holds(event)) throw new Error('Simulation.again: the event is still queued');
    e.time = time;
    e.seq = this.seq++;
    e.cancelled = false;
    this.queue.push(e);
    return e;
  }

  /**
   * Moves a pending event to an absolute time, as `cancel` and a new `at` with its action and
   * priority would (it takes its sequence number now), in place: the queue keeps no cancelled
   * copy to skip later. For an owner cutting its one pending event short (a replica's run).
   * @throws Error when the event is not in the queue or cancelled; RangeError when `time < now`
   */
  retime(event: SimEvent, time: number): void {
    if (!(time >= this.now) || time === Infinity) throw new RangeError(`Time ${time} is before now (${this.now})`);
    if (event.cancelled || event === this.running || !this.queue.holds(event)) throw new Error('Simulation.retime: the event is not pending');
    const e = event as QueuedEvent;
    e.time = time;
    e.seq = this.seq++;
    this.queue.update(e);
  }

  /**
   * A stream of events that each run `action(item)` `delayS` seconds after they are scheduled
   * (`lane.schedule(item)`), at `priority`: in the order `schedule(delayS, () => action(item),
   * priority)` would run them, without an event object and a heap push per event (DelayLane).
   * @throws RangeError on a negative or non-finite delay
   */
  lane<T>(delayS: number, action: (item: T) => void, priority = 0): DelayLane<T> {
    const lane = new DelayLane<T>(delayS, priority, action, () => this.now, () => this.seq++);
    this.lanes.push(lane as unknown as DelayLane<never>);
    return lane;
  }

  /** The event will not run. O(1); it is dropped when it reaches the top of the queue. */
  cancel(event: SimEvent): void {
    event.cancelled = true;
  }

  /** Time of the next live event, or Infinity. */
  peekTime(): number {
    if (this.running !== null) this.dropRunning();
    for (;;) {
      const top = this.queue.peek();
      const held = this.held;
      let time = Infinity;
      if (held !== null && (top === undefined || before(held, top))) time = held.time;
      else if (top !== undefined) {
        if (top.cancelled) {
          this.queue.pop();
          continue;
        }
        time = top.time;
      }
      for (const lane of this.lanes) if (lane.size > 0 && lane.headTime() < time) time = lane.headTime();
      return time;
    }
  }

  /** Runs the next live event; false when there is none. */
  step(): boolean {
    if (this.running !== null) this.dropRunning();
    for (;;) {
      // The held event or the heap's top, whichever comes first (a cancelled top included: it is
      // dropped below, then the choice is made again); then a lane's head, if it comes before that.
      const top = this.queue.peek();
      const held = this.held;
      const heldFirst = held !== null && (top === undefined || before(held, top));
      const lanes = this.lanes;
      if (lanes.length > 0) {
        const lane = lanes.length === 1 ? lanes[0] : this.firstLane();
        const next = heldFirst ? held : top;
        if (lane.size > 0 && (next === undefined || laneBefore(lane, next.time, next.priority, next.seq))) {
          this.now = lane.headTime();
          this.eventsRun++;
          lane.runHead();
          return true;
        }
      }
      if (heldFirst) {
        this.held = null;
        this.now = held.time;
        this.eventsRun++;
        const action = held.action;
        held.action = noAction;
        this.spare = held;
        action();
        return true;
      }
      if (top === undefined) return false;
      if (top.cancelled) {
        this.queue.pop();
        continue;
      }
      // The top runs where it is (see `running`): `again` from its action moves it, else it is
      // taken out after the action.
      const event = top as QueuedEvent;
      this.now = event.time;
      this.eventsRun++;
      this.running = event;
      event.action();
      if (this.running === event) {
        this.running = null;
        this.queue.remove(event);
      }
      return true;
    }
  }

  /** Takes out the event left running by an action that threw (step and peekTime then go on). */
  private dropRunning(): void {
    const event = this.running as QueuedEvent;
    this.running = null;
    if (this.queue.holds(event)) this.queue.remove(event);
  }

  /**
   * Runs events until none is left, or until the next one lies after `until`, or until an event
   * asks to pause (`pause()`): `run` then returns after that event, and `paused` is true until
   * `run` is called again, which goes on from the next event as if it had never stopped.
   */
  run(until = Infinity): void {
    this.paused = false;
    if (until === Infinity) while (!this.paused && this.step());
    else while (!this.paused && this.peekTime() <= until && this.step());
    if (!this.paused && until !== Infinity && this.now < until) this.now = until;
  }

  /** Called from an event's action: `run` returns once that action is done. */
  pause(): void {
    this.paused = true;
  }

  /** Of several lanes, the one whose head event comes first (an empty one when all are). */
  private firstLane(): DelayLane<never> {
    const lanes = this.lanes;
    let first = lanes[0];
    for (let i = 1; i < lanes.length; i++) {
      const lane = lanes[i];
      if (lane.size > 0 && (first.size === 0 || laneBefore(lane, first.headTime(), first.priority, first.headSeq()))) first = lane;
    }
    return first;
  }

  private push(time: number, action: () => void, priority: number): SimEvent {
    const event = new QueuedEvent(time, priority, this.seq++, action);
    this.queue.push(event);
    return event;
  }
}

/**
 * Every event is of this one class (one object shape for the queue's comparisons); `hold` and
 * `again` rewrite the fields of an event that has run.
 */
class QueuedEvent implements SimEvent {
  cancelled = false;
  /** Its slot in the queue's heap (EventQueue), -1 when not queued. */
  index = -1;
  constructor(
    public time: number,
    public priority: number,
    public seq: number,
    public action: () => void,
  ) {}
}

function noAction(): void {}

/** Whether a lane's head event runs before the event keyed (time, priority, seq): `before`'s order. */
function laneBefore(lane: DelayLane<never>, time: number, priority: number, seq: number): boolean {
  const t = lane.headTime();
  if (t !== time) return t < time;
  if (lane.priority !== priority) return lane.priority < priority;
  return lane.headSeq() < seq;
}
