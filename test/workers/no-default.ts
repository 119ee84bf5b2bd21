// A pool task module for the tests: it has a named task function but no default export.
export function task(value: number): number {
  return value + 1;
}
