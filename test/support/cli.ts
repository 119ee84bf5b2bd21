// Runs the `cowshare` command from source, as bin/cowshare.js runs it from dist: for tests that spawn it.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
