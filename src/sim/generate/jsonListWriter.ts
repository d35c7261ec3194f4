import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a long list of JSON items as files of at most `chunkSize` items each
 * (`<prefix>-0001.json`, …), streaming: only a small buffer is held in memory.
 * `head` and `tail` wrap the items of each file, e.g. `{"kind":"List","items":[` and `]}`.
 */
export class JsonListWriter {
  private stream: WriteStream | undefined;
  private inFile = 0;
  private fileNo = 0;
  private buffer = '';
  private count = 0;
  readonly files: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly head: string,
    private readonly tail: string,
    private readonly chunkSize = 10_000,
  ) {}

  get items(): number {
    return this.count;
  }

  async add(item: unknown): Promise<void> {
    if (!this.stream || this.inFile >= this.chunkSize) await this.nextFile();
    this.buffer += (this.inFile === 0 ? '\n' : ',\n') + JSON.stringify(item);
    this.inFile++;
    this.count++;
    if (this.buffer.length >= 1 << 20) await this.flush();
  }

  /** Ends the last file; a list with no items still writes one (empty) file. */
  async close(): Promise<void> {
    if (!this.stream) await this.nextFile();
    await this.endFile();
  }

  private async nextFile(): Promise<void> {
    if (this.stream) await this.endFile();
    this.fileNo++;
    const name = `${this.prefix}-${String(this.fileNo).padStart(4, '0')}.json`;
    this.files.push(name);
    this.stream = createWriteStream(join(this.dir, name));
    this.inFile = 0;
    this.buffer = this.head;
  }

  private async flush(): Promise<void> {
    const text = this.buffer;
    this.buffer = '';
    if (!this.stream!.write(text)) await once(this.stream!, 'drain');
  }

  private async endFile(): Promise<void> {
    this.buffer += `\n${this.tail}\n`;
    await this.flush();
    const stream = this.stream!;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.end(() => resolve());
    });
  }
}

/** Head and tail of a `kind: List` file as `kubectl get -o json` prints it. */
export const KUBE_LIST = { head: '{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":[', tail: ']}' } as const;

/** Head and tail of an AWS CLI describe output with the list under `key`. */
export function awsList(key: string): { head: string; tail: string } {
  return { head: `{"${key}":[`, tail: ']}' };
}
