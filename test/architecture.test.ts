// docs/ARCHITECTURE.md stays true: every file it names exists, and the layer rule it states holds —
// a module imports only from its own folder and those before it in format → view → cow → share →
// node → cli, and the portable core imports no `node:` module.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const LAYERS = ['format', 'view', 'cow', 'share', 'node', 'cli'];
const CORE = new Set(['format', 'view', 'cow', 'share']);

const files = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));

test('every file docs/ARCHITECTURE.md names exists', () => {
  const text = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
  const named = [...text.matchAll(/`([\w./-]+\.(?:ts|js|md|cc))`/g)].map((m) => m[1]!);
  assert.ok(named.length > 40, `${named.length} files named`);
  // A bare name (`pack.ts`, in the paragraph on its folder) is found by name.
  const known = new Set([...files('src'), ...files('test'), ...files('docs')].map((f) => basename(f)));
  const missing = named.filter((name) =>
    name.includes('/') ? !existsSync(join(root, name)) : !known.has(name),
  );
  assert.deepEqual(missing, []);
});

test('imports follow the layers, and the portable core imports no node: module', () => {
  const broken: string[] = [];
  for (const file of files('src').filter((f) => f.endsWith('.ts'))) {
    const layer = relative('src', dirname(file)).split('/')[0]!;
    const rank = LAYERS.indexOf(layer);
    const source = readFileSync(join(root, file), 'utf8');
    for (const [, specifier] of source.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)) {
      if (specifier!.startsWith('node:')) {
        if (CORE.has(layer)) broken.push(`${file}: imports ${specifier} (the portable core)`);
        continue;
      }
      if (!specifier!.startsWith('.')) continue;
      const target = relative('src', join(dirname(file), specifier!)).split('/');
      // src/errors.ts and the entry points at the top are below or beside every layer.
      if (target.length === 1) continue;
      const targetRank = LAYERS.indexOf(target[0]!);
      if (rank >= 0 && targetRank > rank) broken.push(`${file}: imports ${specifier} (a later layer)`);
    }
  }
  assert.deepEqual(broken, []);
});
