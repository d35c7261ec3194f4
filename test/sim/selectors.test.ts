import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from '../../src/sim/fieldSelector';
import { parseLabelSelector, SelectorSyntaxError } from '../../src/sim/labelSelector';
import { ResourceRegistry } from '../../src/sim/resourceRegistry';
import { pod, PODS } from './simFixture';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/version': '3' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=cart', true],
    ['missing!=x', true],
    ['app in (cart, web)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['app=web,tier=back', false],
    ['app=web , tier in (front)', true],
    ['app.kubernetes.io/version>2', true],
    ['app.kubernetes.io/version<3', false],
    ['app=', false],
  ])('%j matches: %s', (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected);
  });

  it.each(['app in (web', 'app in web', '=web', 'app=web,', 'app=a b', 'app=-bad-', 'a/b/c=x', 'k>x'])('%j is a syntax error', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(SelectorSyntaxError);
  });
});

describe('field selectors', () => {
  const registry = new ResourceRegistry();
  const pods = registry.find('v1', 'pods')!;
  const p = pod(PODS[0]);
  it('supports the fields a real server indexes for pods', () => {
    expect(parseFieldSelector(`spec.nodeName=${(p.spec as { nodeName: string }).nodeName}`, pods).matches(p)).toBe(true);
    expect(parseFieldSelector('status.phase!=Running', pods).matches(p)).toBe(false);
    expect(parseFieldSelector(`status.podIP==${PODS[0].ip},metadata.namespace=shop`, pods).matches(p)).toBe(true);
    expect(parseFieldSelector('spec.hostNetwork=false', pods).matches(p)).toBe(true);
    expect(parseFieldSelector('metadata.name=a\\,b', pods).requirements[0]!.value).toBe('a,b');
  });
  it('rejects unsupported fields and bad terms like a real server', () => {
    expect(() => parseFieldSelector('spec.containers=x', pods)).toThrow('field label not supported: spec.containers');
    expect(() => parseFieldSelector('nonsense', pods)).toThrow("invalid selector: 'nonsense'; can't understand 'nonsense'");
  });
});
