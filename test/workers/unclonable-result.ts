// A pool task module for the tests: returns a result that cannot be cloned (it holds a function), and
// counts its calls in cell 0 of `attempts`.
export default function unclonable({ attempts }: { attempts: Int32Array }): { callback: () => number } {
  Atomics.add(attempts, 0, 1);
  return { callback: () => 1 };
}
