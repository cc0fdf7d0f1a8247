// The profiles, with the active one marked, and any profile file that could not be read.
import type { Profile } from '../../shared/ui/ipc.js';
import { LockIcon } from './LockIcon.js';
import { ProfileImport } from './ProfileImport.js';
import { useAppState } from './hooks.js';

interface Props {
  selected: string | undefined;
  onSelect: (name: string) => void;
  onNew: () => void;
}

export function ProfileList({ selected, onSelect, onNew }: Props) {
  const profiles = useAppState((s) => s.profiles);
  const problems = useAppState((s) => s.profileProblems);
  const snapshot = useAppState((s) => s.snapshot);
  const managed = useAppState((s) => s.managedProfiles);
  const phaseOf = (profile: Profile) =>
    snapshot?.profile === profile.name ? snapshot.phase : 'idle';
  return (
    <nav className="sidebar" aria-label="Profiles">
      <h2 className="sidebar-title">Profiles</h2>
      <ul className="profile-list">
        {profiles.map((profile) => (
          <li key={profile.name}>
            <button
              type="button"
              className="profile-item"
              aria-current={profile.name === selected ? 'true' : undefined}
              onClick={() => onSelect(profile.name)}
            >
              <span className={`dot dot-${phaseOf(profile)}`} aria-hidden="true" />
              <span className="profile-text">
                <span className="profile-name">{profile.name}</span>
                <span className="profile-gateway">{profile.gateway}</span>
              </span>
              {managed.includes(profile.name) && (
                <span className="profile-managed" title="Managed by your administrator">
                  <LockIcon /> managed
                </span>
              )}
              {phaseOf(profile) !== 'idle' && (
                <span className="visually-hidden">({phaseOf(profile)})</span>
              )}
            </button>
          </li>
        ))}
      </ul>
      <ProfileImport onImported={onSelect}>
        <button type="button" className="button new-profile" onClick={onNew}>
          + New profile
        </button>
      </ProfileImport>
      {problems.length > 0 && (
        <div className="alert alert-warning problems" role="status">
          <p>
            {problems.length === 1 ? 'One profile file' : `${problems.length} profile files`} could
            not be read (left untouched):
          </p>
          <ul>
            {problems.map((p) => (
              <li key={p.file}>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
    </nav>
  );
}
