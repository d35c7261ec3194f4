/**
 * `sortByName` sorts Kubernetes names by plain comparison, which must give exactly the order of
 * `compareNames` (the trees' order, Intl.Collator) for them: checked on generated names made of
 * the characters where the two could differ (digits, `-`, `.`, `/`), and on names outside that
 * alphabet, which fall back to the collator.
 */
import { describe, expect, it } from 'vitest';
import { compareNames, sortByName } from '../../src/core/tree/treeRow';

function names(alphabet: string, count: number, seed: number): string[] {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: count }, () => {
    let n = '';
    const len = 1 + Math.floor(next() * 10);
    for (let i = 0; i < len; i++) n += alphabet[Math.floor(next() * alphabet.length)];
    return n;
  });
}

describe('sortByName', () => {
  it('gives the order of compareNames for Kubernetes names, and for others', () => {
    const kube = names('abz09-./', 5000, 7).concat(['a', 'a-', 'a-1', 'a.1', 'a/1', 'a0', 'aa', 'kube-system/coredns-5d78c9869d-abcde']);
    expect(sortByName([...kube], (n) => n)).toEqual([...kube].sort(compareNames));
    const other = names('aAbB_09-é', 2000, 11);
    expect(sortByName([...other], (n) => n)).toEqual([...other].sort(compareNames));
    // objects by a name of theirs
    const pods = kube.slice(0, 200).map((name, i) => ({ name, i }));
    expect(sortByName([...pods], (p) => p.name).map((p) => p.name)).toEqual(kube.slice(0, 200).sort(compareNames));
  });
});
