// The engine interop suite with the CLI as root and the data plane in its own process.
import { engineSuite } from './suites/engine-suite.js';
import { IN_PROCESS } from '../support/interop.js';

engineSuite(IN_PROCESS);
