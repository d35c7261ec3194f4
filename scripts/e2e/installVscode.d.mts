// Types of installVscode.mjs, for the TypeScript harness in test/e2e/harness.
export declare const CODE_SERVER_VERSION: string;
export declare const NODE24_VERSION: string;

export interface E2ePaths {
  /** `.e2e/` */
  dir: string;
  node24Dir: string;
  /** Node 24's binary, which runs code-server. */
  node24: string;
  codeServerDir: string;
  /** `node_modules/code-server/out/node/entry.js`: run it with `node24`. */
  codeServerEntry: string;
  codeServerMarker: string;
  /** The browser: `CNI_LENS_CHROMIUM`, `/usr/bin/chromium` or a Google Chrome. */
  chromium: string;
}

export declare function e2ePaths(root?: string): E2ePaths;
/** What is not installed (empty when all is there), each with its path. */
export declare function missingPieces(paths?: E2ePaths): string[];
/** `code-server --version`'s line, e.g. "4.139.1 53c2f32… with Code 1.139.1". */
export declare function codeServerVersion(paths?: E2ePaths): string;
/** The VS Code version inside code-server ("1.139.1"). */
export declare function vscodeVersion(paths?: E2ePaths): string | undefined;
export declare function installVscode(opts?: { log?: (message: string) => void }): {
  paths: E2ePaths;
  steps: { name: string; action: 'present' | 'installed'; ms: number }[];
};
