import { fmix32 } from './hash.js';

/**
 * A map from node addresses (integers below 2^53) to small integers, by open addressing on typed
 * arrays. The writer's far table needs one entry per distinct cross-segment reference, which a
 * streamed dictionary makes for nearly every entry: tens of millions, past the 2^24 entries a JS
 * `Map` can hold, and at 12 bytes per slot instead of a Map's ~40.
 */
export class AddressIndex {
  /** Per slot: the address + 1 (0: empty), and its value. Load stays at most 1/2. */
  private keys = new Float64Array(1024);
  private values = new Uint32Array(1024);
  private count = 0;

  get(address: number): number | undefined {
    const mask = this.keys.length - 1;
    for (let i = slotOf(address, mask); ; i = (i + 1) & mask) {
      const key = this.keys[i]!;
      if (key === 0) return undefined;
      if (key === address + 1) return this.values[i];
    }
  }

  /** Records `address` → `value`; `address` must not be present. */
  add(address: number, value: number): void {
    if (++this.count * 2 > this.keys.length) this.grow();
    this.insert(address + 1, value);
  }

  private insert(key: number, value: number): void {
    const mask = this.keys.length - 1;
    let i = slotOf(key - 1, mask);
    while (this.keys[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = key;
    this.values[i] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Uint32Array(keys.length * 2);
    for (let j = 0; j < keys.length; j++) if (keys[j] !== 0) this.insert(keys[j]!, values[j]!);
  }
}

/** Home slot of an address: its segment (high part) and offset (low part), mixed. */
function slotOf(address: number, mask: number): number {
  return fmix32((address >>> 0) ^ Math.imul(Math.floor(address / 2 ** 32), 0x9e3779b9)) & mask;
}
