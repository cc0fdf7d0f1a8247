// Electron IPC channel names, kept free of imports so the sandboxed preload bundle stays tiny.
export const INVOKE_CHANNEL = 'roadwarrior:invoke';
export const EVENT_CHANNEL = 'roadwarrior:event';
