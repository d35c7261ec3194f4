import type { ClusterStore } from './clusterStore';

/**
 * A lookup that makes one `T` per store on first use and keeps it as long as the store lives (the
 * caches and runners that follow a store's change events).
 */
export function perStore<T>(make: (store: ClusterStore) => T): (store: ClusterStore) => T {
  const made = new WeakMap<ClusterStore, T>();
  return (store) => {
    let value = made.get(store);
    if (value === undefined) {
      value = make(store);
      made.set(store, value);
    }
    return value;
  };
}
