import { connectDemo } from './connectDemo';
import type { CommandHandler } from './extensionServices';
import { openSnapshot } from './openSnapshot';
import { selectContext } from './selectContext';
import { testState } from './testState';

/** Every command CNI Lens registers; package.json contributes exactly these (a test checks both ways). */
export const COMMANDS: ReadonlyArray<readonly [string, CommandHandler]> = [
  ['cniLens.selectContext', selectContext],
  ['cniLens.refresh', ({ connections }) => connections.refresh()],
  ['cniLens.openSnapshot', openSnapshot],
  ['cniLens.connectDemo', connectDemo],
  ['cniLens.showLog', ({ log }) => log.channel.show()],
  ['cniLens.test.state', testState],
];
