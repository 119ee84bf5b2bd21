import { pack, open } from '/work/main/dist/index.js';
const N = 200000; const m = new Map();
for (let i = 0; i < N; i++) m.set(`key:${String(i).padStart(6, '0')}`, { id: i, name: `name ${i}`, score: Math.random(), tags: ['a'] });
const f = open(pack(m)); let s = 0;
for (let r = 0; r < 40; r++) { const t = performance.now(); for (const [, v] of f) s += v.score; if (r % 10 === 9) console.log(((performance.now() - t) * 1e6 / N).toFixed(1), 'ns/entry'); }
