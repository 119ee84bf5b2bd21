// Backtracking search with forked state: a DPLL SAT solver. The clause table is large and read-only,
// so it is packed once into an image (workers or other processes could open the same one); the
// solver's state — the assignment and the trail of assigned variables — is forked at every decision
// and thrown away on a conflict. Run twice on the same instance: with cowshare's fork (O(1) per
// decision, a write costs O(log n)) and with a deep copy (structuredClone) per decision, the usual
// way; both must find the same assignment, and the solver checks it against every clause.
//
//   npm run example:backtracking-search [-- --vars 3000 --ratio 3.2 --seed 7]
import { parseArgs } from 'node:util';
import { type Draft, fork, open, pack, type Shared, snapshot, toJS } from '../../src/index.js';

/**
 * The instance, as packed: the formula (clause number → its three literals, ±variable) and, per
 * literal, the clauses it occurs in (CSR: literal l's are occurs[start[l + vars] .. start[l + vars + 1]]).
 */
interface Instance {
  vars: number;
  formula: Map<number, number[]>;
  start: Int32Array;
  occurs: Int32Array;
  /** Variables by number of occurrences, most first: the order decisions take them in. */
  order: Int32Array;
  /** Per variable, the polarity tried first: the literal that occurs more often. */
  polarity: Int8Array;
}

/**
 * What the search forks: the formula as simplified so far (satisfied clauses removed, false literals
 * dropped from the others: the textbook DPLL, which rewrites the formula at every node) and the
 * assignment.
 */
interface State {
  formula: Map<number, readonly number[]>;
  values: Map<number, boolean>;
}

const { values: args } = parseArgs({
  options: {
    vars: { type: 'string', default: '3000' },
    ratio: { type: 'string', default: '3.2' },
    seed: { type: 'string', default: '7' },
  },
});
const vars = Number(args.vars);
const clauseCount = Math.round(vars * Number(args.ratio));

/** xorshift32: a deterministic instance per seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * A random 3-SAT instance with a planted solution: every clause is satisfied by a hidden assignment,
 * so the instance is satisfiable; near 4.2 clauses per variable it needs backtracking.
 */
function instance(n: number, m: number, seed: number): Instance {
  const random = rng(seed);
  const hidden = Array.from({ length: n + 1 }, () => random() < 0.5);
  const formula = new Map<number, number[]>();
  const counts = new Int32Array(2 * n + 2);
  for (let c = 0; c < m; c++) {
    let clause: number[];
    do {
      clause = [0, 1, 2].map(() => {
        const v = 1 + Math.floor(random() * n);
        return random() < 0.5 ? v : -v;
      });
    } while (!clause.some((l) => l > 0 === hidden[Math.abs(l)]));
    formula.set(c, clause);
    for (const l of clause) counts[l + n]!++;
  }
  const start = new Int32Array(2 * n + 2);
  for (let l = 1; l < start.length; l++) start[l] = start[l - 1]! + counts[l - 1]!;
  const fill = start.slice();
  const occurs = new Int32Array(3 * m);
  for (const [c, clause] of formula) for (const l of clause) occurs[fill[l + n]!++] = c;
  const order = Int32Array.from({ length: n }, (_, i) => i + 1).sort(
    (a, b) => counts[b + n]! + counts[-b + n]! - (counts[a + n]! + counts[-a + n]!),
  );
  const polarity = Int8Array.from({ length: n + 1 }, (_, v) => (counts[v + n]! >= counts[-v + n]! ? 1 : -1));
  return { vars: n, formula, start, occurs, order, polarity };
}

/** The solver, over any state that behaves as a `State`: a draft, or a plain deep copy. */
class Solver {
  decisions = 0;
  conflicts = 0;

  constructor(
    private readonly table: Shared<Instance>,
    private readonly branch: (state: State) => State,
  ) {}

  /**
   * Sets `literal` true and simplifies the formula, propagating unit clauses; false on a conflict,
   * else the clauses it left with two literals (where the next decision looks first).
   */
  private assign(state: State, literal: number): number[] | false {
    const { start, occurs, vars: n } = this.table;
    const queue = [literal];
    const binary: number[] = [];
    while (queue.length > 0) {
      const l = queue.pop()!;
      const known = state.values.get(Math.abs(l));
      if (known !== undefined) {
        if (known !== l > 0) return false;
        continue;
      }
      state.values.set(Math.abs(l), l > 0);
      // Clauses with l are satisfied: gone. Clauses with -l lose it: a unit clause forces its literal.
      for (let o = start[l + n]!; o < start[l + n + 1]!; o++) state.formula.delete(occurs[o]!);
      for (let o = start[-l + n]!; o < start[-l + n + 1]!; o++) {
        const c = occurs[o]!;
        const clause = state.formula.get(c);
        if (clause === undefined) continue;
        const rest = clause.filter((x) => x !== -l);
        if (rest.length === 0) return false;
        state.formula.set(c, rest);
        if (rest.length === 1) queue.push(rest[0]!);
        else if (rest.length === 2) binary.push(c);
      }
    }
    return binary;
  }

  /**
   * The next decision: a variable of the most recent two-literal clause still open (so that the next
   * propagation has a unit to follow), else the most frequent unassigned variable; tried first with
   * its more frequent polarity.
   */
  private choose(state: State, hints: readonly number[]): number {
    let v = 0;
    for (let i = hints.length - 1; i >= 0 && v === 0; i--) {
      const clause = state.formula.get(hints[i]!);
      if (clause !== undefined && clause.length === 2) v = Math.abs(clause[0]!);
    }
    if (v === 0) v = this.table.order.find((x) => !state.values.has(x))!;
    return v * this.table.polarity[v]!;
  }

  /** DPLL: a satisfying state, or undefined. `state` is this call's own, free to change. */
  solve(state: State, hints: readonly number[] = []): State | undefined {
    if (state.formula.size === 0) return state;
    const literal = this.choose(state, hints);
    this.decisions++;
    for (const l of [literal, -literal]) {
      const child = this.branch(state);
      const binary = this.assign(child, l);
      if (binary === false) {
        this.conflicts++;
        continue;
      }
      const found = this.solve(child, binary);
      if (found !== undefined) return found;
    }
    return undefined;
  }
}

/** Checks an assignment against every clause of the original formula. */
function satisfies(table: Shared<Instance>, values: ReadonlyMap<number, boolean>): boolean {
  for (const clause of table.formula.values()) {
    if (!clause.some((l) => values.get(Math.abs(l)) === l > 0)) return false;
  }
  return true;
}

const started = performance.now();
const image = pack(instance(vars, clauseCount, Number(args.seed)));
const table = open<Instance>(image);
console.log(
  `instance: ${vars.toLocaleString('en-US')} variables, ${clauseCount.toLocaleString('en-US')} clauses (planted solution), ` +
    `packed into a ${(image.segments.reduce((s, b) => s + b.byteLength, 0) / 1e6).toFixed(1)} MB image in ${(performance.now() - started).toFixed(0)} ms`,
);

function run(name: string, branch: (state: State) => State, root: State) {
  const solver = new Solver(table, branch);
  const t = performance.now();
  const solution = solver.solve(root);
  const ms = performance.now() - t;
  if (solution === undefined) throw new Error(`${name}: no solution found for a satisfiable instance`);
  const values = new Map(solution.values);
  if (!satisfies(table, values)) throw new Error(`${name}: the assignment does not satisfy every clause`);
  console.log(
    `${name.padEnd(28)} ${ms.toFixed(0).padStart(7)} ms  ${solver.decisions} decisions, ${solver.conflicts} conflicts; ` +
      'every clause satisfied',
  );
  return { ms, values };
}

// cowshare: the state starts as a draft of the image (the formula is read from it in place); each
// decision forks it in O(1) and the branch's simplifications are written into its own draft.
const forked = run(
  'fork (cowshare)',
  (state) => fork(snapshot(state as Draft<State>)) as State,
  fork({ formula: table.formula, values: new Map<number, boolean>() }) as State,
);
// The usual way: a plain copy of the formula, deep-copied at every decision.
const copied = run('deep copy (structuredClone)', (state) => structuredClone(state), {
  formula: toJS(table.formula),
  values: new Map(),
});

const same =
  forked.values.size === copied.values.size &&
  [...forked.values].every(([v, x]) => copied.values.get(v) === x);
if (!same) throw new Error('the two searches found different assignments');
console.log(
  `same assignment both ways; deep copying took ${(copied.ms / forked.ms).toFixed(1)}× as long as forking`,
);
