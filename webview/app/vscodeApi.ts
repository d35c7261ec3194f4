/** The webview's side of the host connection: `acquireVsCodeApi`, typed to the protocol. */
import type { WebviewMessage } from '../../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface HostConnection {
  post(message: WebviewMessage): void;
}

/** Called once: VS Code allows `acquireVsCodeApi` only once per webview. */
export function connectToHost(): HostConnection {
  const api = acquireVsCodeApi();
  return { post: (message) => api.postMessage(message) };
}
