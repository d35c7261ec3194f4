// Types of buildIntegrationSuite.mjs, for the TypeScript runner test/integration/runCodeServer.ts.
/** Absolute path of the bundled suite, `out/integration/index.js`. */
export declare const integrationSuitePath: string;
/** Bundles the suite; returns its path. */
export declare function buildIntegrationSuite(): Promise<string>;
