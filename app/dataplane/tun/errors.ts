// Typed failures of opening a TUN device, with a code the UI can map to advice.

export type TunErrorCode =
  | 'platform-not-supported'
  | 'addon-not-built'
  | 'invalid-options'
  | 'no-tun-device'
  | 'permission-denied'
  | 'name-in-use'
  | 'open-failed';

export class TunError extends Error {
  override readonly name: string = 'TunError';

  constructor(
    readonly code: TunErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class PlatformNotSupportedError extends TunError {
  override readonly name = 'PlatformNotSupportedError';

  constructor(readonly platform: string) {
    super('platform-not-supported', platformMessage(platform));
  }
}

function platformMessage(platform: string): string {
  switch (platform) {
    case 'darwin':
      return 'TUN devices are not supported on macOS yet (utun planned)';
    case 'win32':
      return 'TUN devices are not supported on Windows yet (Wintun planned)';
    default:
      return `TUN devices are not supported on ${platform}`;
  }
}
