#!/usr/bin/env node
/**
 * The shared queue's index (LookIndex) on the simulator's own calls (issue 19 target 2): records
 * every LookIndex call of a real run, with what each call read from its replica, then replays them
 * into any build's LookIndex and times it.
 *
 *   node bench/lookReplay.mjs record WORKLOAD.yaml OUT.bin [--set k=v ...]
 *   node bench/lookReplay.mjs replay OUT.bin MODULE.js [MODULE.js ...] [--passes 5]
 *
 * e.g. `replay /tmp/s1024.bin dist/serving/LookBlocks.js dist/serving/LookCalendar.js`.
 *
 * record: runs the workload with the compiled library of ../dist, the `add`, `remove`, `changed`
 * and `best` of both LookIndex structures (LookBlocks, LookCalendar) wrapped, and writes one
 * Float64 log:
 *   add/changed  the replica's state as `changed` reads it (accepting, runEnd, the run's iterations
 *                and its boundaries when cuttable: written whole when the run is new, not when a
 *                cut only shortened it), sim.now, and `changed`'s `from`;
 *   remove       the index;
 *   best         now, `except`, the answer and `admits`, and every value the index read from a
 *                replica during the call (`runEnd()`, `canAdmit()`), in the order it read them.
 * replay: for each MODULE (a compiled LookIndex structure: its class is the export named as the
 * file, LookBlocks.js -> LookBlocks; an older build's LookIndex.js -> LookIndex), builds fake
 * replicas that answer as the
 * recorded ones did (each keeps one boundaries buffer, overwritten by its next run, as
 * ContinuousReplica does), feeds the log to that build's LookIndex, checks every answer and that
 * every recorded read was made, and prints the fastest CPU s of `--passes` passes; first, the same
 * loop with a stub index that returns the recorded answers (the replay's own cost). The builds
 * alternate pass by pass, so machine load falls on all alike. A structure that reads its replicas
 * in another order fails the check: the recorded reads are the blocks' (and any exact index's:
 * candidates by (key, index)).
 *
 * Prints figures; the only assertion is the check of the answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [mode, ...rest] = process.argv.slice(2);
const OP_ADD = 0;
const OP_CHANGED = 1;
const OP_REMOVE = 2;
const OP_BEST = 3;

/** A growable Float64 log. */
function makeLog() {
  let buf = new Float64Array(1 << 20);
  let n = 0;
  return {
    push(x) {
      if (n === buf.length) {
        const next = new Float64Array(2 * buf.length);
        next.set(buf);
        buf = next;
      }
      buf[n++] = x;
    },
    get n() {
      return n;
    },
    bytes() {
      return new Uint8Array(buf.buffer, 0, n * 8);
    },
  };
}

async function record(args) {
  const [file, out] = args;
  const set = args.flatMap((a, i) => (args[i - 1] === '--set' ? [a] : []));
  const dist = path.resolve(here, '../dist');
  const { loadWorkload } = await import(`${dist}/workload/load.js`);
  const { simulate } = await import(`${dist}/simulate.js`);
  const structures = [(await import(`${dist}/serving/LookBlocks.js`)).LookBlocks, (await import(`${dist}/serving/LookCalendar.js`)).LookCalendar];
  const { ContinuousReplica } = await import(`${dist}/serving/ContinuousReplica.js`);
  const scenario = loadWorkload(path.resolve(file), { set });
  const log = makeLog();
  /** Per replica index: the boundaries last written (a cut keeps a prefix of them). */
  const written = [];
  let inBest = false;
  let inAdd = false;
  const reads = [];
  const counts = { add: 0, changed: 0, remove: 0, best: 0, newRuns: 0, cuts: 0, reads: 0 };

  const state = (index, r, from) => {
    const i = r.index;
    log.push(index.sim.now);
    log.push(i);
    log.push(from);
    log.push(r.accepting ? 1 : 0);
    log.push(r.runEnd());
    const ends = r.cuttableEnds();
    if (ends === null) {
      log.push(0);
      return;
    }
    const k = r.iterations;
    log.push(k);
    const last = written[i];
    let same = last !== undefined && k <= last.length;
    for (let j = 0; same && j < k; j++) same = last[j] === ends[j];
    log.push(same ? 0 : 1);
    if (same) {
      counts.cuts++;
      return;
    }
    counts.newRuns++;
    written[i] = ends.slice(0, k);
    for (let j = 0; j < k; j++) log.push(ends[j]);
  };

  for (const Structure of structures) {
    const { add, changed, remove, best } = Structure.prototype;
    Structure.prototype.add = function (r) {
      counts.add++;
      log.push(OP_ADD);
      state(this, r, 0);
      inAdd = true;
      add.call(this, r);
      inAdd = false;
    };
    Structure.prototype.changed = function (r, from = 0) {
      if (!inAdd) {
        counts.changed++;
        log.push(OP_CHANGED);
        state(this, r, from);
      }
      changed.call(this, r, from);
    };
    Structure.prototype.remove = function (r) {
      counts.remove++;
      log.push(OP_REMOVE);
      log.push(r.index);
      remove.call(this, r);
    };
    Structure.prototype.best = function (now, except) {
      counts.best++;
      reads.length = 0;
      inBest = true;
      const got = best.call(this, now, except);
      inBest = false;
      counts.reads += reads.length;
      log.push(OP_BEST);
      log.push(now);
      log.push(except === undefined ? -1 : except.index);
      log.push(got === undefined ? -1 : got.index);
      log.push(this.admits ? 1 : 0);
      log.push(reads.length);
      for (const x of reads) log.push(x);
      return got;
    };
  }
  const { runEnd, canAdmit } = ContinuousReplica.prototype;
  ContinuousReplica.prototype.runEnd = function () {
    const x = runEnd.call(this);
    if (inBest) reads.push(x);
    return x;
  };
  ContinuousReplica.prototype.canAdmit = function () {
    const x = canAdmit.call(this);
    if (inBest) reads.push(x ? 1 : 0);
    return x;
  };

  const run = simulate(scenario);
  writeFileSync(out, log.bytes());
  console.log(JSON.stringify({ requests: run.stats.requests, events: run.stats.events, ...counts, floats: log.n, mb: Math.round((log.n * 8) / 1e6) }));
}

async function replay(args) {
  const passes = Number(args.includes('--passes') ? args[args.indexOf('--passes') + 1] : 5);
  const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--passes');
  const [file, ...modules] = positional;
  const raw = readFileSync(file);
  const log = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
  const builds = [{ name: 'stub (the replay alone)', LookIndex: null }];
  for (const m of modules) builds.push({ name: m, LookIndex: (await import(path.resolve(m)))[path.basename(m, '.js')] });
  const best = builds.map(() => Infinity);
  for (let p = 0; p < passes; p++) {
    builds.forEach((b, j) => {
      const c0 = process.cpuUsage();
      const queries = run(log, b.LookIndex);
      const c = process.cpuUsage(c0);
      const s = (c.user + c.system) / 1e6;
      best[j] = Math.min(best[j], s);
      if (p === 0) b.queries = queries;
    });
  }
  const base = best[0];
  builds.forEach((b, j) => {
    console.log(`${b.name.padEnd(40)} fastest of ${passes}: ${best[j].toFixed(3)} cpu s (net of the replay: ${(best[j] - base).toFixed(3)} s, ${(((best[j] - base) / b.queries) * 1e9).toFixed(0)} ns per best)`);
  });
}

/**
 * Replays the log into a fresh index of class Index (null: the stub, which takes the recorded
 * answers as its own); returns the number of `best` calls.
 */
function run(log, Index) {
  const sim = { now: 0 };
  const index = Index === null ? null : new Index(sim);
  const fakes = [];
  const reader = { at: -1 };
  let queries = 0;
  let p = 0;
  while (p < log.length) {
    const op = log[p++];
    if (op === OP_BEST) {
      const now = log[p];
      const except = log[p + 1];
      const want = log[p + 2];
      const admits = log[p + 3] === 1;
      const n = log[p + 4];
      p += 5;
      sim.now = now;
      queries++;
      if (index === null) {
        p += n;
        continue;
      }
      reader.at = p;
      const got = index.best(now, except < 0 ? undefined : fakes[except]);
      const gotIndex = got === undefined ? -1 : got.index;
      if (gotIndex !== want || index.admits !== admits || reader.at !== p + n) {
        throw new Error(`query ${queries} at ${now}: expected ${want} (admits ${admits}, ${n} reads), got ${gotIndex} (admits ${index.admits}, ${reader.at - p} reads)`);
      }
      p += n;
      reader.at = -1;
    } else if (op === OP_REMOVE) {
      const i = log[p++];
      if (index !== null) index.remove(fakes[i]);
    } else {
      // add or changed: the replica's state as recorded, then the call
      sim.now = log[p];
      const i = log[p + 1];
      const from = log[p + 2];
      let f = fakes[i];
      if (f === undefined) {
        f = new FakeReplica(i, reader, log);
        fakes[i] = f;
      }
      f.accepting = log[p + 3] === 1;
      f.end = log[p + 4];
      const k = log[p + 5];
      p += 6;
      f.k = k;
      if (k === 0) f.cuttable = null;
      else {
        if (log[p++] === 1) {
          if (f.buf.length < k) f.buf = new Float64Array(Math.max(k, 2 * f.buf.length));
          f.buf.set(log.subarray(p, p + k));
          p += k;
        }
        f.cuttable = f.buf;
      }
      if (index === null) continue;
      if (op === OP_ADD) index.add(f);
      else index.changed(f, from);
    }
  }
  return queries;
}

/**
 * A replica as LookIndex sees it, answering from the log: outside a `best` from its state as
 * recorded at its last `changed`; during one (reader.at >= 0), the values the run read, in order.
 */
class FakeReplica {
  constructor(index, reader, log) {
    this.index = index;
    this.reader = reader;
    this.log = log;
    this.accepting = true;
    this.end = NaN;
    this.k = 0;
    this.cuttable = null;
    this.buf = new Float64Array(0);
  }

  runEnd() {
    const at = this.reader.at;
    if (at < 0) return this.end;
    this.reader.at = at + 1;
    return this.log[at];
  }

  cuttableEnds() {
    return this.cuttable;
  }

  runIterations() {
    return this.k;
  }

  canAdmit() {
    const at = this.reader.at;
    this.reader.at = at + 1;
    return this.log[at] === 1;
  }
}

// After the classes: the top-level await runs the mode at once.
if (mode === 'record') await record(rest);
else if (mode === 'replay') await replay(rest);
else {
  console.error('usage: node bench/lookReplay.mjs record WORKLOAD.yaml OUT.bin [--set k=v ...] | replay OUT.bin MODULE.js [MODULE.js ...] [--passes N]');
  process.exit(2);
}
