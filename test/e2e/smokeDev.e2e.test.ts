// CNI Lens loaded from the development folder (extensionDevelopmentPath, dist/ of `npm run build`).
import { defineSmokeSuite } from './defineSmokeSuite';

defineSmokeSuite('dev');
