import { runCli } from '../src/cli/main';

/** Runs `cni-lens ARGS` in this process, with what it prints to stdout and stderr. */
export async function runCliCaptured(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([...args], { out: (t) => (out += t), err: (t) => (err += t) }, new AbortController().signal);
  return { code, out, err };
}
