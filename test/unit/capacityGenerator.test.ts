import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildFile,
  compactEntry,
  crossCheck,
  parseEniMaxPods,
  parseVpcIpResourceLimits,
  serialise,
  type InstanceLimitsFile,
} from '../../scripts/capacity/generateInstanceLimits';

// gofmt'd layout of the current upstream file (excerpt)
const GOFMT = `package vpc

// InstanceNetworkingLimits contains a mapping from instance type to networking limits for the type.
var instanceNetworkingLimits = map[string]InstanceTypeLimits{
\t"m5.large": {
\t\tENILimit:                3,
\t\tIPv4Limit:               10,
\t\tDefaultNetworkCardIndex: 0,
\t\tNetworkCards: []NetworkCard{
\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 3,
\t\t\t\tNetworkCardIndex:         0,
\t\t\t},
\t\t},
\t\tHypervisorType: "nitro",
\t\tIsBareMetal:    false,
\t},
\t"c6in.metal": {
\t\tENILimit:                8,
\t\tIPv4Limit:               50,
\t\tDefaultNetworkCardIndex: 0,
\t\tNetworkCards: []NetworkCard{
\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 8,
\t\t\t\tNetworkCardIndex:         0,
\t\t\t},

\t\t\t{
\t\t\t\tMaximumNetworkInterfaces: 8,
\t\t\t\tNetworkCardIndex:         1,
\t\t\t},
\t\t},
\t\tHypervisorType: "unknown",
\t\tIsBareMetal:    true,
\t},
}
`;

// the older, non-gofmt'd template (an earlier commit of the same file), with an empty card list
const OLD_TEMPLATE = `var instanceNetworkingLimits = map[string]InstanceTypeLimits{
\t"a1.2xlarge":\t   {
\t\tENILimit: 4, 
\t\tIPv4Limit: 15, 
\t\tDefaultNetworkCardIndex: 0,
\t\tNetworkCards: []NetworkCard{
\t\t\t\t{
\t\t\t\t\tMaximumNetworkInterfaces: 4,
\t\t\t\t\tNetworkCardIndex: 0,
\t\t\t\t},
\t\t\t
\t\t},
\t\tHypervisorType: "nitro",
\t\tIsBareMetal: false,
\t},
\t"bmn-sf1.metal":\t   {
\t\tENILimit: 15, 
\t\tIPv4Limit: 50, 
\t\tDefaultNetworkCardIndex: 0,
\t\tNetworkCards: []NetworkCard{
\t\t},
\t\tHypervisorType: "unknown",
\t\tIsBareMetal: true,
\t},
}`;

// before NetworkCards existed
const ONE_LINE = `var instanceNetworkingLimits = map[string]InstanceTypeLimits{
  "t3.nano": {ENILimit: 2, IPv4Limit: 2, HypervisorType: "nitro", IsBareMetal: false}, // comment {
  "c4.large": {ENILimit: 3, IPv4Limit: 10, HypervisorType: "xen", IsBareMetal: false},
}`;

describe('generateInstanceLimits parser', () => {
  it('reads the gofmt layout, several network cards included', () => {
    expect(parseVpcIpResourceLimits(GOFMT)).toEqual([
      { type: 'm5.large', enis: 3, ipv4PerEni: 10, defaultNetworkCardIndex: 0, networkCards: [{ index: 0, maxInterfaces: 3 }], hypervisor: 'nitro', bareMetal: false },
      {
        type: 'c6in.metal', enis: 8, ipv4PerEni: 50, defaultNetworkCardIndex: 0,
        networkCards: [{ index: 0, maxInterfaces: 8 }, { index: 1, maxInterfaces: 8 }], hypervisor: 'unknown', bareMetal: true,
      },
    ]);
  });

  it('reads the older template and files without NetworkCards', () => {
    const old = parseVpcIpResourceLimits(OLD_TEMPLATE);
    expect(old.map((l) => [l.type, l.enis, l.ipv4PerEni, l.networkCards?.length])).toEqual([['a1.2xlarge', 4, 15, 1], ['bmn-sf1.metal', 15, 50, 0]]);
    const flat = parseVpcIpResourceLimits(ONE_LINE);
    expect(flat.map((l) => [l.type, l.enis, l.ipv4PerEni, l.hypervisor, l.networkCards])).toEqual([['t3.nano', 2, 2, 'nitro', undefined], ['c4.large', 3, 10, 'xen', undefined]]);
  });

  it('rejects files without the map', () => {
    expect(() => parseVpcIpResourceLimits('package vpc')).toThrow(/instanceNetworkingLimits/);
  });

  it('writes compact entries with trailing defaults omitted', () => {
    const [m5, c6in] = parseVpcIpResourceLimits(GOFMT);
    expect(compactEntry(m5)).toEqual([3, 10]);
    expect(compactEntry(c6in)).toEqual([8, 50, 2, 'unknown', 1]);
    const [, empty] = parseVpcIpResourceLimits(OLD_TEMPLATE);
    expect(compactEntry(empty)).toEqual([15, 50, 0, 'unknown', 1]);
    expect(compactEntry({ type: 'odd', enis: 4, ipv4PerEni: 15, defaultNetworkCardIndex: 1, networkCards: [{ index: 0, maxInterfaces: 2 }, { index: 1, maxInterfaces: 4 }] }))
      .toEqual([4, 15, [[0, 2], [1, 4]], 'nitro', 0, 1]);
  });

  it('cross-checks eni-max-pods.txt and reports mismatches', () => {
    const limits = parseVpcIpResourceLimits(GOFMT);
    const published = parseEniMaxPods('# header\n#\nm5.large 29\nc6in.metal 100\np2.xlarge 58 44 0\n');
    const check = crossCheck(limits, published, 'eni-max-pods.txt');
    expect(check).toEqual({
      file: 'eni-max-pods.txt',
      compared: 2,
      mismatches: [{ type: 'c6in.metal', published: 100, computed: 394 }],
      onlyInMaxPods: ['p2.xlarge'],
      onlyInTable: 0,
    });
  });

  it('the shipped data file is the generator output, untouched', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'data', 'instanceLimits.json'), 'utf8');
    const file = JSON.parse(text) as InstanceLimitsFile;
    expect(serialise(file)).toBe(text);
    const rebuilt = buildFile(parseVpcIpResourceLimits(GOFMT), 'test');
    expect(JSON.parse(serialise(rebuilt))).toEqual(rebuilt);
  });
});
