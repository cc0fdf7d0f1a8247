// The data-plane interop suite with the CLI as root and the data plane in its own process.
import { dataplaneSuite } from './suites/dataplane-suite.js';
import { IN_PROCESS } from '../support/interop.js';

dataplaneSuite(IN_PROCESS);
