/** Loads `dist/runtime.js` (see runtimeEntry.ts) the first time something needs it. */
export type Runtime = typeof import('./runtimeEntry');

let loaded: Runtime | undefined;

export function runtime(): Runtime {
  // kept out of dist/extension.js by the build (external), resolved next to it at run time
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./runtime.js') as Runtime;
  return loaded;
}
