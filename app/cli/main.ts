// The roadwarrior command: dispatches to subcommands.
import { EngineError } from '../engine/api.js';
import { CONNECT_USAGE, connectCommand } from './connect-command.js';

const USAGE = `roadwarrior: IKEv1 remote-access VPN client

${CONNECT_USAGE}
       roadwarrior helper [--socket PATH] [--state-dir DIR] [--allow-uid UID]
         (the privileged helper, foreground; connect --helper PATH uses it)
       roadwarrior ui [--port N] [--static-dir DIR] [--no-dns] [--helper SOCKET]
         (the desktop UI served to a browser on 127.0.0.1 with a random token)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'connect':
        return await connectCommand(rest);
      // loaded on demand: a cold `connect` should not parse the helper's or the web UI's code
      case 'helper':
        return await (await import('../helper/main.js')).runHelperCommand(rest);
      case 'ui':
        return await (await import('./ui-command.js')).uiCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`roadwarrior: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof EngineError) {
      process.stderr.write(`roadwarrior: ${error.code}: ${error.message}\n`);
      return 1;
    }
    if (
      error instanceof TypeError &&
      'code' in error &&
      String(error.code).startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`roadwarrior: ${error.message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
