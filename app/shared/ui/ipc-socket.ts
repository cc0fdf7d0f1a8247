// The IPC contract over a web socket (the web host): JSON frames, one per message. The server
// validates every incoming frame against this and the invoke's input schema.
import { z } from 'zod';
import type { EventMessage, InvokeName, IpcResult } from './ipc.js';

/** browser -> host */
export const ClientFrameSchema = z.object({
  t: z.literal('invoke'),
  id: z.number().int().nonnegative(),
  name: z.string().max(64),
  input: z.unknown().optional(),
});
export type ClientFrame = { t: 'invoke'; id: number; name: InvokeName; input: unknown };

/** host -> browser */
export type ServerFrame =
  { t: 'result'; id: number; result: IpcResult<unknown> } | ({ t: 'event' } & EventMessage);

/** path of the socket below the token prefix */
export const SOCKET_PATH = 'ipc';
/** largest frame either side accepts: a profile or a prompt answer is a few kB */
export const MAX_CLIENT_FRAME_BYTES = 256 * 1024;
