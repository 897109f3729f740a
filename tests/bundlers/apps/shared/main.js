// The app: the package imported by name, the way its README shows. A client made at module scope.
import * as pkg from 'evolink-tasks';
import { early, runChecks } from '../shared/checks.mjs';

runChecks(pkg, early(pkg));
