// Runs one XAuth round through the CLI's credential provider on the terminal it is given (a
// pty in tests) and prints what the engine would send, as JSON, after a marker line.
import { cliCredentials } from '../../../app/cli/credentials.js';
import type { XauthRequest } from '../../../app/engine/api.js';

const request = JSON.parse(process.argv[2] ?? '{}') as XauthRequest;
const credentials = cliCredentials({ username: 'alice' });
try {
  const response = await credentials.xauth(request, new AbortController().signal);
  const shown = Object.fromEntries(
    Object.entries(response).map(([key, value]) => [
      key,
      typeof value === 'string' ? value : Buffer.from(value.reveal()).toString('utf8'),
    ]),
  );
  process.stdout.write(`\nRESULT ${JSON.stringify(shown)}\n`);
} catch (error) {
  process.stdout.write(`\nFAILED ${(error as Error).message}\n`);
}
process.exit(0);
