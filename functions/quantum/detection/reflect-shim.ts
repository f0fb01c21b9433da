/**
 * @peculiar/x509 registers its algorithms through tsyringe, which refuses to load unless a
 * Reflect metadata API exists. It reads constructor parameter types only (none are declared
 * with decorator metadata here), so a WeakMap-backed getMetadata / getOwnMetadata /
 * defineMetadata is all it needs. It must run before @peculiar/x509 is evaluated: libs.ts imports
 * it and only then loads the library, dynamically.
 */
type Store = Map<unknown, Map<string | symbol | undefined, unknown>>;
const stores = new WeakMap<object, Store>();

function own(target: object, key: unknown, property?: string | symbol): unknown {
  return stores.get(target)?.get(key)?.get(property);
}

function defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void {
  let store = stores.get(target);
  if (!store) stores.set(target, (store = new Map()));
  let byProperty = store.get(key);
  if (!byProperty) store.set(key, (byProperty = new Map()));
  byProperty.set(property, value);
}

function getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
    const value = own(t, key, property);
    if (value !== undefined) return value;
  }
  return undefined;
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== "function") {
  reflect.defineMetadata = defineMetadata;
  reflect.getOwnMetadata = own;
  reflect.getMetadata = getMetadata;
}
