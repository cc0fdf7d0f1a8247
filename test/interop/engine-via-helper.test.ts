// The engine interop suite with the CLI as nobody and sockets, TUN and routes in the privileged
// helper (issue 5: the same tests through both transports).
import { engineSuite } from './suites/engine-suite.js';
import { VIA_HELPER } from '../support/interop.js';

engineSuite(VIA_HELPER);
