/**
 * The packaged extension (`npm run package` → .test-output/cni-lens.vsix) holds only what runs:
 * the bundles, the icons, the demo snapshot, the readme, the license and the manifest. Skipped when
 * no package has been built (`npm test` builds it before this runs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const VSIX = join(ROOT, '.test-output', 'cni-lens.vsix');

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** The entries of a zip file, from its central directory. */
function zipEntries(zip: Buffer): ZipEntry[] {
  // the end-of-central-directory record is in the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    const localHeaderOffset = zip.readUInt32LE(p + 42);
    entries.push({ name: zip.toString('utf8', p + 46, p + 46 + nameLength), method, compressedSize, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function readEntry(zip: Buffer, e: ZipEntry): Buffer {
  const p = e.localHeaderOffset;
  const start = p + 30 + zip.readUInt16LE(p + 26) + zip.readUInt16LE(p + 28);
  const data = zip.subarray(start, start + e.compressedSize);
  if (e.method === 0) return data;
  if (e.method === 8) return inflateRawSync(data);
  throw new Error(`${e.name}: unsupported compression method ${e.method}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(ROOT, join(d.parentPath, d.name)).split('\\').join('/'));
}

/** What may be in the package, as paths inside the zip. */
const ALLOWED: RegExp[] = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/i,
  /^extension\/LICENSE(\.txt)?$/,
  /^extension\/dist\/(extension|runtime|webview)\.js$/,
  /^extension\/media\/[^/].*$/,
  /^extension\/demo\/snapshot\/[^/].*$/,
];

describe.skipIf(!existsSync(VSIX))('the packaged extension (.test-output/cni-lens.vsix)', () => {
  const zip = existsSync(VSIX) ? readFileSync(VSIX) : Buffer.alloc(0);
  const entries = existsSync(VSIX) ? zipEntries(zip) : [];
  const names = entries.map((e) => e.name);

  it('holds nothing but the bundles, media, the demo snapshot, readme, license and manifest', () => {
    const unexpected = names.filter((n) => !ALLOWED.some((re) => re.test(n)));
    expect(unexpected).toEqual([]);
    expect(names.filter((n) => /\.map$|(^|\/)node_modules\/|^extension\/(src|test|scripts|webview)\//.test(n))).toEqual([]);
  });

  it('holds the manifest, the entry point its package.json names and everything that entry loads', () => {
    expect(names).toContain('extension.vsixmanifest');
    expect(names).toContain('extension/package.json');
    const manifest = JSON.parse(readEntry(zip, entries.find((e) => e.name === 'extension/package.json')!).toString('utf8')) as { main: string };
    const main = `extension/${manifest.main.replace(/^\.\//, '')}`;
    expect(names).toContain(main);
    // the entry loads its siblings lazily (`require("./runtime.js")`): each must be in the package
    const source = readEntry(zip, entries.find((e) => e.name === main)!).toString('utf8');
    const siblings = [...source.matchAll(/require\(\s*["']\.\/([^"']+)["']\s*\)/g)].map((m) => `extension/dist/${m[1]!.endsWith('.js') ? m[1] : `${m[1]}.js`}`);
    for (const s of siblings) expect(names).toContain(s);
  });

  it('holds the whole demo snapshot, the icons and the license', () => {
    for (const f of filesUnder(join(ROOT, 'demo', 'snapshot'))) expect(names).toContain(`extension/${f}`);
    if (existsSync(join(ROOT, 'media'))) for (const f of filesUnder(join(ROOT, 'media'))) expect(names).toContain(`extension/${f}`);
    if (existsSync(join(ROOT, 'LICENSE'))) expect(names.some((n) => /^extension\/LICENSE(\.txt)?$/.test(n))).toBe(true);
  });
});
