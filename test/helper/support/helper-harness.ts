// An in-process helper over a fake data plane on a fresh socket, with its log captured.
import { type HelperOptions, type HelperServer, startHelper } from '../../../app/helper/server.js';
import type { LogLevel } from '../../../app/shared/events.js';
import { FakeDataPlane } from './fake-data-plane.js';
import { type TempSocket, tempSocket } from './temp-socket.js';

export interface TestHelper {
  helper: HelperServer;
  dataPlane: FakeDataPlane;
  socketPath: string;
  logs: { level: LogLevel; message: string }[];
  /** resolves with the first log line matching, waiting up to timeoutMs */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestHelper(
  options: Partial<Omit<HelperOptions, 'socketPath' | 'dataPlane' | 'log'>> = {},
): Promise<TestHelper> {
  const temp: TempSocket = await tempSocket();
  const dataPlane = new FakeDataPlane();
  const logs: TestHelper['logs'] = [];
  const helper = await startHelper({
    stateDir: temp.dir,
    ...options,
    socketPath: temp.socketPath,
    dataPlane,
    log: (level, message) => logs.push({ level, message }),
  });
  const waitForLog = async (pattern: RegExp, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.find((entry) => pattern.test(entry.message));
      if (found) return `${found.level}: ${found.message}`;
      if (Date.now() > deadline) {
        throw new Error(`no log line ${pattern}; got:\n${logs.map((l) => l.message).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    helper,
    dataPlane,
    socketPath: temp.socketPath,
    logs,
    waitForLog,
    stop: async () => {
      await helper.close();
      await temp.remove();
    },
  };
}
