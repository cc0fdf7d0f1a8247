// Profile files the OS hands the app: a double-click on a .pcf or .vpn (electron-builder's
// fileAssociations) starts it with the path among its arguments on Linux and Windows, passes
// them to the running instance ('second-instance'), or sends 'open-file' on macOS.
import { isAbsolute } from 'node:path';

const PROFILE_FILE = /\.(pcf|vpn)$/i;

/** The profile files among a command line's arguments (not options, not the app itself). */
export function profileFilesIn(argv: readonly string[]): string[] {
  return argv.filter((arg) => !arg.startsWith('-') && isAbsolute(arg) && PROFILE_FILE.test(arg));
}
