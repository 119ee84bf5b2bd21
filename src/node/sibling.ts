/**
 * The URL of module `name` next to the module at `base` (its `import.meta.url`), with the same
 * extension: `.ts` when running from source (tests through tsx), `.js` when built. For the files that
 * start workers and child processes, which name their entry module by URL rather than import it.
 */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.slice(base.lastIndexOf('.'))}`, base);
}
