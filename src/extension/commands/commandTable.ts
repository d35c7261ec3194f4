import { connectDemo } from './connectDemo';
import type { CommandHandler } from './extensionServices';
import { observeFlows } from './observeFlows';
import { openSnapshot } from './openSnapshot';
import { readIpamdAll } from './readIpamdAll';
import { selectContext } from './selectContext';
import { testState } from './testState';
import { traceIntoPod, tracePodToIp, tracePodToPod, tracePodToService } from './traceCommands';
import { clearFilter, copyIp, copyName, filterView, findIp, openYaml, showUnmanagedOwners } from './treeCommands';

const FILTERED_VIEWS = ['nodes', 'enis', 'podIps', 'endpoints'] as const;

/** Every command CNI Lens registers; package.json contributes exactly these (a test checks both ways). */
export const COMMANDS: ReadonlyArray<readonly [string, CommandHandler]> = [
  ['cniLens.selectContext', selectContext],
  ['cniLens.refresh', ({ connections }) => connections.refresh()],
  ['cniLens.openSnapshot', openSnapshot],
  ['cniLens.connectDemo', connectDemo],
  ['cniLens.showLog', ({ log }) => log.channel.show()],
  ['cniLens.test.state', testState],
  ['cniLens.findIp', findIp],
  ['cniLens.trace.podToPod', tracePodToPod],
  // from a hover's link on a workload: a trace from that pod
  ['cniLens.trace.fromPod', tracePodToPod],
  ['cniLens.trace.podToService', tracePodToService],
  ['cniLens.trace.podToIp', tracePodToIp],
  ['cniLens.trace.intoPod', traceIntoPod],
  ['cniLens.copyIp', copyIp],
  ['cniLens.copyName', copyName],
  ['cniLens.openYaml', openYaml],
  ['cniLens.showUnmanagedOwners', showUnmanagedOwners],
  ['cniLens.observeFlows', observeFlows],
  ['cniLens.readIpamdAll', readIpamdAll],
  ['cniLens.showPathDiagram', (services, node) => import('../diagram/showPathDiagram').then((m) => m.showPathDiagram(services, node))],
  ...FILTERED_VIEWS.flatMap((v) => [
    [`cniLens.${v}.filter`, filterView(`cniLens.${v}`)] as const,
    [`cniLens.${v}.clearFilter`, clearFilter(`cniLens.${v}`)] as const,
  ]),
];
