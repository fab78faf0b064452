// Runs the `zmtp` CLI from source (the tests spawn it through tsx), exiting with its exit code.
import { main } from '../../../core/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
