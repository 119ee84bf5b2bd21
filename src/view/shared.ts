/**
 * `Shared<T>`: the deep read-only type of a view of a packed `T`. Containers become their read-only
 * counterparts; the built-ins that are returned as fresh or zero-copy objects keep their own type.
 */
export type Shared<T> = T extends Primitive
  ? T
  : T extends Opaque
    ? T
    : T extends ReadonlyMap<infer K, infer V>
      ? ReadonlyMap<Shared<K>, Shared<V>>
      : T extends ReadonlySet<infer V>
        ? ReadonlySet<Shared<V>>
        : T extends readonly unknown[]
          ? { readonly [K in keyof T]: Shared<T[K]> }
          : { readonly [K in keyof T]: Shared<T[K]> };

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
type Opaque = Date | RegExp | Error | ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/**
 * `Unshared<S>`: the type of `toJS` of a view of type `S` — the inverse of `Shared`: read-only Maps,
 * Sets, arrays and objects become the mutable ones `toJS` builds.
 */
export type Unshared<S> = S extends Primitive
  ? S
  : S extends Opaque
    ? S
    : S extends ReadonlyMap<infer K, infer V>
      ? Map<Unshared<K>, Unshared<V>>
      : S extends ReadonlySet<infer V>
        ? Set<Unshared<V>>
        : S extends readonly unknown[]
          ? { -readonly [K in keyof S]: Unshared<S[K]> }
          : { -readonly [K in keyof S]: Unshared<S[K]> };
