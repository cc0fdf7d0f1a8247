// A DOM for component tests (happy-dom), registered before React loads. Import this first.
import { GlobalRegistrator } from '@happy-dom/global-registrator';

if (!GlobalRegistrator.isRegistered) GlobalRegistrator.register({ url: 'http://127.0.0.1/token/' });
// React's act() environment flag: tells React these renders are tests
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
