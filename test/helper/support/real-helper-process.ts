// Child-process entry: `roadwarrior helper` with the real in-process data plane (run it inside
// a test's network namespace). argv after the script are the helper's own arguments.
import { runHelperCommand } from '../../../app/helper/main.js';

process.exitCode = await runHelperCommand(process.argv.slice(2));
