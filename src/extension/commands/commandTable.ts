import { connectDemo } from './connectDemo';
import type { CommandHandler } from './extensionServices';
import { openSnapshot } from './openSnapshot';
import { selectContext } from './selectContext';
import { testState } from './testState';
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
  ['cniLens.copyIp', copyIp],
  ['cniLens.copyName', copyName],
  ['cniLens.openYaml', openYaml],
  ['cniLens.showUnmanagedOwners', showUnmanagedOwners],
  ...FILTERED_VIEWS.flatMap((v) => [
    [`cniLens.${v}.filter`, filterView(`cniLens.${v}`)] as const,
    [`cniLens.${v}.clearFilter`, clearFilter(`cniLens.${v}`)] as const,
  ]),
];
