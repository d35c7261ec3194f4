// CNI Lens installed from the package (`npm run package` → .test-output/cni-lens.vsix), as a user installs it.
import { defineSmokeSuite } from './defineSmokeSuite';

defineSmokeSuite('vsix');
