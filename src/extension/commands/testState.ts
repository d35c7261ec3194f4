import type { ExtensionServices } from './extensionServices';

/** For the integration suite: the connection state and the store's counts, as plain JSON. */
export function testState({ connections }: ExtensionServices): unknown {
  const session = connections.ensureStarted();
  const store = session?.store;
  return {
    context: session?.label ?? null,
    target: session?.target.kind ?? null,
    state: connections.contextValue(),
    detail: session?.state.detail ?? null,
    counts: store
      ? { nodes: store.count('node'), pods: store.count('pod'), enis: store.count('eni'), ciliumEndpoints: store.count('ciliumEndpoint'), policies: store.count('networkPolicy') }
      : null,
  };
}
