// The window: profiles on the left; the selected profile's connection, the log and its settings
// on the right; the gateway's questions and banner as dialogs over everything.
import { useState } from 'react';
import { BannerDialog } from './BannerDialog.js';
import { ConnectionView } from './ConnectionView.js';
import { Header } from './Header.js';
import { LogPane } from './LogPane.js';
import { Notices } from './Notices.js';
import { ProfileForm } from './ProfileForm.js';
import { ProfileList } from './ProfileList.js';
import { PromptDialog } from './PromptDialog.js';
import { Tabs } from './Tabs.js';
import { useAppState } from './hooks.js';

type TabKey = 'connection' | 'log' | 'settings';

export function App() {
  const profiles = useAppState((s) => s.profiles);
  const snapshot = useAppState((s) => s.snapshot);
  const link = useAppState((s) => s.link);
  const [selected, setSelected] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [tab, setTab] = useState<TabKey>('connection');

  const current = creating
    ? undefined
    : (profiles.find((p) => p.name === selected) ??
      profiles.find((p) => p.name === snapshot?.profile) ??
      profiles[0]);
  const promptGateway =
    profiles.find((p) => p.name === snapshot?.prompt?.profile)?.gateway ?? 'the gateway';

  const select = (name: string) => {
    setCreating(false);
    setSelected(name);
  };

  return (
    <div className="app">
      <Header />
      {link === 'lost' && (
        <div className="linkbar" role="alert">
          Lost the connection to the Roadwarrior service; reconnecting…
        </div>
      )}
      <div className="layout">
        <ProfileList
          selected={current?.name}
          onSelect={select}
          onNew={() => {
            setCreating(true);
            setTab('settings');
          }}
        />
        <main className="main">
          {current || creating ? (
            <Tabs<TabKey>
              tabs={[
                { key: 'connection', label: 'Connection' },
                { key: 'log', label: 'Log' },
                { key: 'settings', label: creating ? 'New profile' : 'Settings' },
              ]}
              current={tab}
              onSelect={setTab}
            >
              {tab === 'connection' && current && (
                <ConnectionView profile={current} onShowLog={() => setTab('log')} />
              )}
              {tab === 'connection' && !current && (
                <p className="subtle">Create the profile first.</p>
              )}
              {tab === 'log' && <LogPane />}
              {tab === 'settings' && (
                <ProfileForm
                  key={current?.name ?? 'new'}
                  {...(current ? { profile: current } : {})}
                  onSaved={(saved) => {
                    select(saved.name);
                    setTab('connection');
                  }}
                  onDeleted={() => {
                    setSelected(undefined);
                    setTab('connection');
                  }}
                />
              )}
            </Tabs>
          ) : (
            <div className="welcome">
              <h2>Welcome</h2>
              <p>
                Create a profile with the gateway address and group name your administrator gave
                you.
              </p>
              <button
                type="button"
                className="button primary"
                onClick={() => {
                  setCreating(true);
                  setTab('settings');
                }}
              >
                Create a profile
              </button>
            </div>
          )}
        </main>
      </div>
      {snapshot?.prompt && (
        <PromptDialog key={snapshot.prompt.id} prompt={snapshot.prompt} gateway={promptGateway} />
      )}
      {snapshot?.banner && !snapshot.prompt && (
        <BannerDialog key={snapshot.banner.id} banner={snapshot.banner} />
      )}
      <Notices />
    </div>
  );
}
