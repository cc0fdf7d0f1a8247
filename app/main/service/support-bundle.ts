// The desktop service's support bundle: the same archive as `roadwarrior support-bundle`, with
// the service's own view of its tunnel (the snapshot's SA details, counters and diagnosis).
import { join } from 'node:path';
import { bundleFileName, supportBundle } from '../../support/bundle.js';
import { captureDirectory } from '../../support/capture-file.js';
import { collectVersions } from '../../support/versions.js';
import { stateDirectory } from './log-file.js';
import type { VpnService } from './vpn-service.js';

export async function serviceSupportBundle(
  service: VpnService,
): Promise<{ archive: Buffer; suggestedName: string }> {
  // the prompt and banner are the user's business, not the help desk's
  const { prompt: _prompt, banner: _banner, ...session } = service.snapshot();
  const archive = supportBundle({
    logDir: join(stateDirectory(), 'logs'),
    captureDir: captureDirectory(),
    profiles: (await service.listProfiles()).profiles,
    sessions: [session],
    diagnoses: session.diagnosis ? [{ profile: session.profile, ...session.diagnosis }] : [],
    versions: await collectVersions(),
  });
  return { archive, suggestedName: bundleFileName() };
}
