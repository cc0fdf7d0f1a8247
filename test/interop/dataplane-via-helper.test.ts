// The data-plane interop suite with the CLI as nobody and sockets, TUN, ESP and routes in the
// privileged helper (issue 5: the same tests through both transports).
import { dataplaneSuite } from './suites/dataplane-suite.js';
import { VIA_HELPER } from '../support/interop.js';

dataplaneSuite(VIA_HELPER);
