// An in-process helper over a fake data plane on a fresh socket, with its log captured.
import { createHelperDataPlane } from '../../../app/helper/client.js';
import { type HelperOptions, type HelperServer, startHelper } from '../../../app/helper/server.js';
import type { IkeChannel, OpenIkeOptions } from '../../../app/shared/dataplane-port.js';
import type { LogLevel } from '../../../app/shared/events.js';
import { type FakeChannel, FakeDataPlane } from './fake-data-plane.js';
import { type TempSocket, tempSocket } from './temp-socket.js';

export const NOBODY = 65534;

export interface TestHelper {
  helper: HelperServer;
  dataPlane: FakeDataPlane;
  socketPath: string;
  logs: { level: LogLevel; message: string }[];
  /** a channel through the helper client, and the fake channel behind it in the helper */
  openChannel(options?: OpenIkeOptions): Promise<{ channel: IkeChannel; fake: FakeChannel }>;
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
    // the tests' other user (nobody) may open tunnels unless a test narrows it
    access: { uids: [NOBODY] },
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
  const openChannel = async (options: OpenIkeOptions = { gateway: '198.51.100.1' }) => {
    const index = dataPlane.channels.length;
    const channel = await createHelperDataPlane({ socketPath: temp.socketPath }).openIke(options);
    return { channel, fake: await dataPlane.channel(index) };
  };
  return {
    helper,
    dataPlane,
    socketPath: temp.socketPath,
    logs,
    openChannel,
    waitForLog,
    stop: async () => {
      await helper.close();
      await temp.remove();
    },
  };
}
